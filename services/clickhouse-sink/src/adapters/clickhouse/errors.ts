/**
 * ClickHouse errors about the data itself: the same rows will be refused however often they are
 * sent. Anything else (not reachable, overloaded, out of memory or disk, a table or grant
 * missing) is about ClickHouse and may pass: those are retried without end, never split or
 * dead-lettered, or one outage would empty the topic into the dead-letter topic.
 */
const DATA_ERRORS = new Map<number, string>([
  [6, 'CANNOT_PARSE_TEXT'],
  [9, 'SIZES_OF_COLUMNS_DOESNT_MATCH'],
  [25, 'CANNOT_PARSE_QUOTED_STRING'],
  [26, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [128, 'TOO_LARGE_ARRAY_SIZE'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [376, 'CANNOT_PARSE_UUID'],
  [407, 'DECIMAL_OVERFLOW'],
  [469, 'VIOLATED_CONSTRAINT'],
]);
const DATA_ERROR_TYPES = new Set(DATA_ERRORS.values());

/**
 * Whether ClickHouse refused the insert because of what is in it. The HTTP client reports the
 * error's code and type; the embedded engine only its text ("Code: 469. DB::Exception: ...").
 */
export function isRefusedData(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown };
  if (typeof type === 'string' && DATA_ERROR_TYPES.has(type)) return true;
  if (typeof code === 'string' && /^\d+$/.test(code) && DATA_ERRORS.has(Number(code))) return true;
  const fromText = typeof message === 'string' ? /\bCode: (\d+)\b/.exec(message) : null;
  return fromText !== null && DATA_ERRORS.has(Number(fromText[1]));
}
