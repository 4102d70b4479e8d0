/** `inbox:list` takes no fields: the validation refuses any field (no payload at all is accepted too). */
export class InboxListDto {}
