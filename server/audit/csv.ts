/**
 * A text cell a spreadsheet would run as a formula (or that some spreadsheets turn into one: a
 * leading tab or CR). Cells come from callers (User-Agent, email, request id), so an export opened
 * in Excel or LibreOffice could otherwise run `=HYPERLINK(…)` or a DDE payload (OWASP "CSV Injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV record per RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled.
 * Text that starts like a formula is prefixed with `'`, which spreadsheets show as text.
 */
export function csvRecord(fields: readonly (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  // Numbers are ours (seq), never a caller's text: a spreadsheet must still read them as numbers.
  const text = typeof value === "number" ? String(value) : FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
