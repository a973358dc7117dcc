import fs from 'node:fs';
import path from 'node:path';
import type * as TestPasses from '../../infra/ci/test-passes.js';

// The later passes of ./platform test run the files infra/ci/test-passes.js lists. jest runs a
// pattern that matches nothing without complaint, so a renamed or deleted file would silently
// leave its pass: every entry must name a test file of a workspace that exists.
const root = path.resolve(import.meta.dirname, '../..');
const modulePath = path.join(root, 'infra/ci/test-passes.js');
const { testPasses, passFiles } = (await import(modulePath)) as typeof TestPasses;

/** Workspace package name -> its folder, from the root package.json's workspace globs. */
function workspaces(): Map<string, string> {
  const folders = ['packages', 'services'].flatMap((parent) =>
    fs.readdirSync(path.join(root, parent)).map((name) => path.join(root, parent, name)),
  );
  folders.push(path.join(root, 'schemas'), path.join(root, 'test'));
  const byName = new Map<string, string>();
  for (const folder of folders) {
    const manifest = path.join(folder, 'package.json');
    if (fs.existsSync(manifest))
      byName.set((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string }).name, folder);
  }
  return byName;
}

describe('the test passes (infra/ci/test-passes.js)', () => {
  const known = workspaces();

  it.each(Object.keys(testPasses))(
    '%s names only test files that exist, in workspaces that exist',
    (pass) => {
      const entries = Object.entries(testPasses[pass as keyof typeof testPasses]);
      expect(entries.length).toBeGreaterThan(0);
      for (const [workspace, files] of entries) {
        expect(known.has(workspace) ? workspace : `unknown workspace ${workspace}`).toBe(workspace);
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          const full = path.join(known.get(workspace)!, file);
          expect(fs.existsSync(full) ? file : `missing ${full}`).toBe(file);
          expect(file).toMatch(/\.test\.ts$/);
        }
      }
    },
  );

  it('selects nothing outside a pass, and refuses a pass it does not know', () => {
    expect(passFiles(undefined, '@platform/kafka')).toBeUndefined();
    expect(passFiles('containers', '@platform/kafka')).toEqual([]);
    expect(() => passFiles('nightly', '@platform/kafka')).toThrow('TEST_PASS must be one of');
  });
});
