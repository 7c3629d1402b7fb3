// Renderer test setup. findBy*/waitFor give up after 1 s by default; lazily loaded views (charts,
// lineage, Markdown) can take longer than that on a loaded CI machine, which made tests flaky
// without making them any more honest. They still fail when the thing never appears.
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 10_000 });
