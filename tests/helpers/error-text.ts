// Client errors as one line of text for assertions: the whole chain of kafkajs causes and the leaves of
// @platformatic/kafka's nested MultipleErrors (their retries wrap the real failure), with the protocol error names both give.

interface ErrorLike {
  name?: string;
  message?: string;
  /** kafkajs: the protocol error's name, e.g. MESSAGE_TOO_LARGE. */
  type?: string;
  /** @platformatic/kafka: the protocol error's name. */
  apiId?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** "Name: message [TYPE]" of the error and everything it wraps, without repeats, joined by " <- ". */
export function errorText(error: unknown): string {
  const seen = new Set<unknown>();
  const lines: string[] = [];
  const visit = (e: unknown): void => {
    if (e === null || e === undefined || seen.has(e)) return;
    seen.add(e);
    if (typeof e !== 'object') {
      lines.push(String(e));
      return;
    }
    const x = e as ErrorLike;
    const kind = x.type ?? x.apiId;
    lines.push(`${x.name ?? 'Error'}: ${x.message ?? ''}${kind ? ` [${kind}]` : ''}`);
    if (Array.isArray(x.errors)) for (const inner of x.errors) visit(inner);
    visit(x.cause);
  };
  visit(error);
  return [...new Set(lines)].join(' <- ');
}
