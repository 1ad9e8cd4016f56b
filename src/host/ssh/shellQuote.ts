// Words for a POSIX shell on the other end of an SSH connection. ssh hands the remote login shell
// one string; every word in it must reach the program exactly as given, whatever it holds.

/**
 * Characters a word may consist of and still read as itself, unquoted, in any POSIX shell. No
 * "=": an unquoted NAME=value first word would be an assignment, not the program.
 */
const PLAIN_WORD = /^[A-Za-z0-9_./,:@%+-]+$/;

/** One word, quoted so that the shell passes it on unchanged: '…', each ' written as '\''. */
export function shellQuote(word: string): string {
  // A C string ends at NUL: no argv can carry one, so the word could not arrive intact.
  if (word.includes("\0")) throw new Error("a NUL character cannot be passed in a command's arguments");
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line that runs `words[0]` with the rest as its arguments, each exactly as given. */
export function shellCommandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
