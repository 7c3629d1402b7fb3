import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelCard, safeUrl, stripFrontMatter } from './ModelCard';

afterEach(cleanup);

const hostile = `---
license: apache-2.0
base_model: google-bert/bert-base-uncased
---
# Sentiment model

Fine-tuned on **customer reviews**.

<script>window.pwned = true</script>
<img src="x" onerror="window.pwned = true">
<iframe src="https://evil.example/frame"></iframe>

![training curve](https://tracker.example/pixel.png)
![local](./curve.png)

[Base model](https://huggingface.co/google-bert/bert-base-uncased) ·
[click me](javascript:window.pwned=true) ·
[file](file:///etc/passwd) ·
[data](data:text/html;base64,PHNjcmlwdD4=)

<a href="https://evil.example" onclick="window.pwned=true">raw link</a>
`;

describe('ModelCard', () => {
  it('renders Markdown but no raw HTML, scripts, event handlers or frames', () => {
    const { container } = render(<ModelCard markdown={hostile} />);
    expect(screen.getByRole('heading', { name: 'Sentiment model' })).toBeTruthy();
    expect(container.querySelector('strong')?.textContent).toBe('customer reviews');
    expect(container.querySelector('script, iframe, img, object, embed, style')).toBeNull();
    for (const el of container.querySelectorAll('*')) {
      for (const attr of el.getAttributeNames()) expect(attr.startsWith('on'), `${el.tagName} ${attr}`).toBe(false);
    }
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
    // The front matter is data, not text of the card.
    expect(container.textContent).not.toContain('license: apache-2.0');
  });

  it('never loads images: remote and relative ones become their alt text', () => {
    const { container } = render(<ModelCard markdown={hostile} />);
    expect(container.querySelectorAll('img')).toHaveLength(0);
    expect(container.innerHTML).not.toContain('tracker.example');
    expect(container.textContent).toContain('[picture: training curve]');
    expect(container.textContent).toContain('[picture: local]');
  });

  it('keeps only http(s) links, opened outside the app; others become plain text', () => {
    const { container } = render(<ModelCard markdown={hostile} />);
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://huggingface.co/google-bert/bert-base-uncased']);
    expect(links[0]?.getAttribute('target')).toBe('_blank');
    expect(links[0]?.getAttribute('rel')).toContain('noopener');
    expect(container.textContent).toContain('click me');
    expect(container.innerHTML).not.toMatch(/javascript:|file:|data:text/);
  });

  it('url policy and front matter helpers', () => {
    expect(safeUrl('https://a.example/x', 'href')).toBe('https://a.example/x');
    expect(safeUrl('https://a.example/x.png', 'src')).toBeNull();
    expect(safeUrl('javascript:alert(1)', 'href')).toBeNull();
    expect(safeUrl('JaVaScRiPt:alert(1)', 'href')).toBeNull();
    expect(safeUrl('#usage', 'href')).toBe('#usage');
    expect(safeUrl('../secret', 'href')).toBeNull();
    expect(stripFrontMatter('---\na: 1\n---\n# T')).toBe('# T');
    expect(stripFrontMatter('# No front matter\n---\n')).toBe('# No front matter\n---\n');
  });
});
