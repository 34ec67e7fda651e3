// Inputs are kebab-case. An input renamed to match still answers to its old name for one release, with a
// warning naming the new one, so a workflow that used the old name keeps working and learns what to change.
export type InputGetter = (name: string) => string;

/** The value of `name`, else of its former name `oldName` (with a deprecation warning), else ''. */
export function renamedInput(get: InputGetter, name: string, oldName: string, warn: (message: string) => void): string {
  const value = get(name);
  const old = get(oldName);
  if (old.trim() === '') return value;
  if (value.trim() !== '') {
    warn(
      `Both ${name} and ${oldName} are set; ${oldName} is the deprecated name of ${name} and is ignored: remove it.`,
    );
    return value;
  }
  warn(`The ${oldName} input is deprecated and will be removed in the next release; rename it to ${name}.`);
  return old;
}
