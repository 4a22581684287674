import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** An operation of an OpenAPI document, as far as its request body's examples go. */
type Operation = { requestBody?: { content: Record<string, { examples?: Record<string, unknown> }> } };

/**
 * The operations of an OpenAPI document that take a JSON request body, each with how many named
 * examples it documents (issue 10: "OpenAPI with examples").
 */
export function requestBodyExamples(document: unknown): { operation: string; examples: number }[] {
  const paths = (document as { paths: Record<string, Record<string, Operation>> }).paths;
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation.requestBody !== undefined)
      .map(([method, operation]) => ({
        operation: `${method.toUpperCase()} ${path}`,
        examples: Object.keys(operation.requestBody!.content['application/json']?.examples ?? {}).length,
      })),
  );
}

/**
 * Every `*.controller.ts` of `dir` loads. A controller's request examples are checked against
 * their body schemas when it loads (apiBodyWithExamples throws on one the API would refuse), so
 * this proves them all without starting the service.
 */
export function itLoadsEveryController(dir: string, atLeast: number): void {
  const controllers = readdirSync(dir).filter((f) => f.endsWith('.controller.ts'));
  it.each(controllers)('%s loads: its request examples are valid bodies', (file) => {
    expect(() => jest.requireActual(join(dir, file))).not.toThrow();
  });
  it(`finds the controllers (at least ${atLeast})`, () => {
    expect(controllers.length).toBeGreaterThanOrEqual(atLeast);
  });
}
