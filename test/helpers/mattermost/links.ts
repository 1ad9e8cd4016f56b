// Which links a reader would see in a post. Mattermost's web app renders messages, attachment
// pretext, text and field values as Markdown with GitHub's extensions (docs.mattermost.com,
// "Format messages"): inline links and images, <scheme:...> autolinks, and the extended
// autolinks that turn bare http://, https:// and www. addresses into links. Code is not linked.
// This is a model of that syntax, for tests that assert where a post can send people.

export function linksIn(markdown: string): string[] {
  const text = markdown
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, "\n")
    .split(/(`+)[\s\S]*?\1/)
    .filter((_, i) => i % 2 === 0)
    .join(" ");
  const links: string[] = [];
  let rest = text.replace(
    /!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g,
    (_, destination: string) => {
      links.push(destination);
      return " ";
    },
  );
  rest = rest.replace(/<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/g, (_, uri: string) => {
    links.push(uri);
    return " ";
  });
  for (const match of rest.matchAll(/(?:https?:\/\/|www\.)[^\s<]*[^\s<?!.,:*_~)'"]/gi)) links.push(match[0]);
  return links;
}
