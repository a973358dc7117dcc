import { packageVersion } from '../src/index.js';

describe('packageVersion', () => {
  it('reads the version of the package a module belongs to', () => {
    expect(packageVersion(import.meta.url)).toBe('0.1.0');
  });

  it('falls back to 0.0.0 outside any package', () => {
    expect(packageVersion('file:///no-package-here/module.js')).toBe('0.0.0');
  });
});
