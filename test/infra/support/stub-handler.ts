// Stands in for a handler entry file that does not exist yet, so the stacks
// can be synthesized and asserted on before every handler has landed.
export const handler = async (): Promise<void> => {};
