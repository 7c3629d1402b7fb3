// A model card (README.md) rendered from Markdown, safely: raw HTML is dropped (no <script>, no
// onerror=…), images are never fetched (a remote image would tell its server who opened the card;
// a relative one would resolve against the app), and only http(s) and mailto links survive, opened
// outside the app. Anything else becomes plain text.
import Markdown, { type Components, defaultUrlTransform } from 'react-markdown';

const SAFE_LINK = /^(https?:|mailto:)/i;

/** Keeps http(s)/mailto links and in-page anchors; everything else (javascript:, file:, data:, relative) is removed. */
export function safeUrl(url: string, key: string): string | null | undefined {
  if (key === 'src') return null; // images: never load
  const cleaned = defaultUrlTransform(url);
  if (!cleaned) return null;
  if (SAFE_LINK.test(cleaned) || cleaned.startsWith('#')) return cleaned;
  return null;
}

const components: Components = {
  img({ alt }) {
    return (
      <span className="card-image" title="Pictures in model cards are not loaded">
        [picture{alt ? `: ${alt}` : ''}]
      </span>
    );
  },
  a({ href, children }) {
    if (!href || !SAFE_LINK.test(href)) return <span className="card-link-text">{children}</span>;
    return (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" title={href}>
        {children}
      </a>
    );
  },
};

export function ModelCard({ markdown }: { markdown: string }) {
  return (
    <div className="markdown" data-testid="model-card">
      <Markdown skipHtml urlTransform={safeUrl} components={components}>
        {stripFrontMatter(markdown)}
      </Markdown>
    </div>
  );
}

/** The YAML block between --- lines at the top is data, shown elsewhere as facts. */
export function stripFrontMatter(text: string): string {
  const m = /^\uFEFF?---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/.exec(text);
  return m ? text.slice(m[0].length) : text;
}
