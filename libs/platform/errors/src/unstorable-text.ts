const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'is not valid Unicode (an unpaired surrogate)';
  return undefined;
}

/**
 * The first string (value or key) in a parsed body, query or path-parameter object that Postgres
 * cannot store as text (U+0000) or that would be silently altered on the way (an unpaired UTF-16
 * surrogate becomes U+FFFD): its field path, as validation errors name fields, and why.
 * Iterative, so any depth is safe.
 */
export function findUnstorableText(value: unknown): { field: string; message: string } | undefined {
  const stack: Array<[unknown, string[]]> = [[value, []]];
  // A field path as validation errors name fields; a name that is the empty string shows as "" (a
  // query `?=x` has one: the fuzzing found an error naming the field '').
  const path = (at: string[]) => at.map((key) => (key === '' ? '""' : key)).join('.');
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    const field = at.length > 0 ? path(at) : '(root)';
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) return { field, message: problem };
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item, [...at, String(i)]]));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const problem = textProblem(key);
        if (problem) return { field: path([...at, key]), message: `name ${problem}` };
        stack.push([item, [...at, key]]);
      }
    }
  }
  return undefined;
}
