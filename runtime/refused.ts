// A request (or one resource of it) refused with a Kafka error code and message: thrown by the checks of a
// handler and turned into that resource's answer by the handler (CreateTopics, CreatePartitions, AlterConfigs).

export class Refused extends Error {
  override name = 'Refused';
  readonly code: number;
  constructor(code: number, message: string | null) {
    super(message ?? '');
    this.code = code;
  }
}
