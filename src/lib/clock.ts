// The one clock. Everything that reads the time goes through here.
export const now = (): number => Date.now();
