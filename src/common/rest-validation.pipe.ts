import { ArgumentMetadata, BadRequestException, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ContractError } from './contract-error';
import { ContractValidationPipe } from './contract-validation.pipe';

/**
 * The socket pipe's checks (class-validator, whitelist, plain objects only, no prototype keys) answered the
 * REST way: 400 with one message per failed constraint. A missing body counts as an empty one, so that a
 * route whose fields are all optional accepts a bare POST. Query strings and path parameters are text, so DTOs
 * are built with class-transformer, which applies their `@Type` conversions.
 */
@Injectable()
export class RestValidationPipe extends ContractValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return super.transform(metadata.type === 'body' && value === undefined ? {} : value, metadata);
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      const fields = (error.details?.fields ?? {}) as Record<string, string[]>;
      const messages = Object.values(fields).flat();
      throw new BadRequestException(messages.length > 0 ? messages : [error.message]);
    }
  }

  protected override toDto(value: Record<string, unknown>, metatype: new () => object): object {
    return plainToInstance(metatype, value);
  }
}
