import { Controller, Get, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ATTACHMENT_STORAGE } from './attachment-storage';
import type { AttachmentStorage } from './attachment-storage';
import { LocalAttachmentStorage } from './local-attachment.storage';
import type { LinkQuery } from './local-attachment.storage';

/**
 * The links of local storage: a signed PUT receives a file, a signed GET serves it. Without local storage (S3)
 * there is nothing here. The signature is the authorization: these routes take no token.
 */
@Controller('uploads')
export class UploadsController {
  constructor(@Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage) {}

  @Put(':id')
  async upload(@Param('id') id: string, @Query() query: LinkQuery, @Req() request: Request, @Res() response: Response): Promise<void> {
    if (!(this.storage instanceof LocalAttachmentStorage)) return void response.status(404).json({ statusCode: 404, message: 'Not Found' });
    await this.storage.receive(id, query, request, response);
  }

  @Get(':id')
  async download(@Param('id') id: string, @Query() query: LinkQuery, @Res() response: Response): Promise<void> {
    if (!(this.storage instanceof LocalAttachmentStorage)) return void response.status(404).json({ statusCode: 404, message: 'Not Found' });
    await this.storage.send(id, query, response);
  }
}
