import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The README and docs/ kept honest: links lead somewhere, shell blocks parse, and the
// configuration reference lists exactly what the services' configuration schemas read.
// The schemas are read from the built services (dist/, which ./platform test builds first): the
// sink's envShape is not exported, so each service's own loader is called with an environment
// that records every name it looks up.
const root = path.resolve(import.meta.dirname, '../..');
const configPage = path.join(root, 'docs/configuration.md');

type Env = Record<string, string | undefined>;
type Loader = (env: Env) => unknown;
const load = async (file: string) => (await import(path.join(root, file))) as Record<string, Loader>;
const userApi = await load('services/user-api/dist/config.js');
const publisher = await load('services/outbox-publisher/dist/config.js');
const sink = await load('services/clickhouse-sink/dist/config.js');
const observability = (await import('@platform/observability')) as {
  tracingConfigured: (env: Env) => boolean;
};

// ---- markdown ----

interface CodeBlock {
  line: number;
  lang: string;
  text: string;
}
interface Markdown {
  /** The lines outside code blocks, inline code blanked out; index = line number - 1. */
  prose: string[];
  headings: string[];
  blocks: CodeBlock[];
}

function parseMarkdown(text: string): Markdown {
  const prose: string[] = [];
  const headings: string[] = [];
  const blocks: CodeBlock[] = [];
  let open: { fence: string; block: CodeBlock } | undefined;
  text.split('\n').forEach((line, index) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open) {
      prose.push('');
      if (fence && fence[1]!.startsWith(open.fence) && line.trim() === fence[1]) open = undefined;
      else open.block.text += `${line}\n`;
      return;
    }
    if (fence) {
      open = { fence: fence[1]!, block: { line: index + 1, lang: fence[2]!.toLowerCase(), text: '' } };
      blocks.push(open.block);
      prose.push('');
      return;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) headings.push(heading[1]!);
    prose.push(line.replace(/`+[^`]*`+/g, 'code'));
  });
  return { prose, headings, blocks };
}

/** GitHub's anchor for a heading (github-slugger): lower case, punctuation dropped, spaces to '-'. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page has, duplicates numbered as GitHub numbers them (-1, -2, ...). */
function anchors(headings: string[]): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

const pages = new Map<string, Markdown>();
function page(file: string): Markdown {
  let parsed = pages.get(file);
  if (!parsed) {
    parsed = parseMarkdown(fs.readFileSync(file, 'utf8'));
    pages.set(file, parsed);
  }
  return parsed;
}

const LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/;

/** Relative links of a page (at `file`) that lead to no file, or to no heading of the file. */
function linkProblems(file: string, markdown: Markdown): string[] {
  const problems: string[] = [];
  const where = (line: number) => `${path.relative(root, file)}:${line}`;
  markdown.prose.forEach((line, index) => {
    const targets = [...line.matchAll(LINK)].map((m) => m[1]!);
    const reference = REFERENCE.exec(line);
    if (reference) targets.push(reference[1]!);
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // not relative
      const [pathPart = '', anchor] = target.split('#', 2);
      const resolved = pathPart ? path.resolve(path.dirname(file), decodeURIComponent(pathPart)) : file;
      if (pathPart && !fs.existsSync(resolved)) {
        problems.push(`${where(index + 1)}: ${target}: no such file`);
      } else if (anchor !== undefined && resolved.endsWith('.md')) {
        const target_ = resolved === file ? markdown : page(resolved);
        if (!anchors(target_.headings).has(anchor)) {
          problems.push(`${where(index + 1)}: ${target}: no heading with this anchor`);
        }
      }
    }
  });
  return problems;
}

const SHELL = new Set(['sh', 'bash', 'shell']);

/** Shell code blocks that `bash -n` refuses. */
function shellProblems(file: string, markdown: Markdown): string[] {
  return markdown.blocks
    .filter((block) => SHELL.has(block.lang))
    .flatMap((block) => {
      const run = spawnSync('bash', ['-n'], { input: block.text, encoding: 'utf8' });
      return run.status === 0
        ? []
        : [`${path.relative(root, file)}:${block.line}: bash -n: ${run.stderr.trim() || run.status}`];
    });
}

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}
const docs = [path.join(root, 'README.md'), ...markdownFiles(path.join(root, 'docs'))];

// ---- the configuration reference ----

/** The variable names a loader looks up (parseEnv also looks up NAME_FILE for each NAME). */
function readsOf(loader: Loader): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Env, {
    get(_target, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  try {
    loader(env);
  } catch (error) {
    // An empty environment is invalid; every name was looked up before parseEnv said so.
    if (!(error instanceof Error && error.name === 'ConfigError')) throw error;
  }
  return new Set([...read].filter((name) => !(name.endsWith('_FILE') && read.has(name.slice(0, -5)))));
}

const SERVICES = ['user-api', 'outbox-publisher', 'clickhouse-sink'] as const;
const tracing = readsOf(observability.tracingConfigured);
const union = (...sets: Set<string>[]) => new Set(sets.flatMap((set) => [...set]));
const reads: Record<string, Set<string>> = {
  'user-api': union(readsOf(userApi.loadUserApiConfig!), readsOf(userApi.loadDatabaseConfig!), tracing),
  'outbox-publisher': union(readsOf(publisher.loadPublisherConfig!), tracing),
  'clickhouse-sink': union(readsOf(sink.loadSinkConfig!), tracing),
  'outbox-cli audit': readsOf(publisher.loadAuditConfig!),
};

/** The page's tables of variables, by the heading above them, and who reads what they list. */
const SECTIONS: Record<string, { kind: 'service' | 'shared' | 'local'; readers: string[] }> = {
  'Every service': { kind: 'shared', readers: [...SERVICES] },
  'Kafka and the schema registry': { kind: 'shared', readers: ['outbox-publisher', 'clickhouse-sink'] },
  'user-api': { kind: 'service', readers: ['user-api'] },
  'outbox-publisher': { kind: 'service', readers: ['outbox-publisher'] },
  'clickhouse-sink': { kind: 'service', readers: ['clickhouse-sink'] },
  'outbox-cli audit': { kind: 'service', readers: ['outbox-cli audit'] },
  'Local stack only': { kind: 'local', readers: [] },
};

interface Listed {
  name: string;
  section: string;
  line: number;
}

/** Every variable in the page's tables: the names in backticks in a row's first cell. */
function listedVariables(text: string): { listed: Listed[]; problems: string[] } {
  const listed: Listed[] = [];
  const problems: string[] = [];
  let section = '';
  let inVariableTable = false;
  text.split('\n').forEach((line, index) => {
    const heading = /^##\s+(.*?)\s*$/.exec(line);
    if (heading) section = heading[1]!;
    if (!line.startsWith('|')) {
      inVariableTable = false;
      return;
    }
    const first = line.split('|')[1]!.trim();
    if (first === 'variable') {
      inVariableTable = true;
      if (!SECTIONS[section])
        problems.push(`line ${index + 1}: a table of variables under "${section}", unknown here`);
      return;
    }
    if (!inVariableTable || /^:?-+:?$/.test(first)) return;
    for (const [, name] of first.matchAll(/`([^`]+)`/g)) {
      if (/^[A-Z][A-Z0-9_]*$/.test(name!)) listed.push({ name: name!, section, line: index + 1 });
      else problems.push(`line ${index + 1}: "${name}" is not a whole variable name`);
    }
  });
  return { listed, problems };
}

/** ./platform, infra/ and the jest preset: where the local stack's and test run's variables are read. */
const stackSources = [
  fs.readFileSync(path.join(root, 'platform'), 'utf8'),
  fs.readFileSync(path.join(root, 'jest.preset.js'), 'utf8'),
  ...fs
    .readdirSync(path.join(root, 'infra'), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(sh|js|yml)$/.test(file))
    .map((file) => fs.readFileSync(path.join(root, 'infra', file), 'utf8')),
].join('\n');

/** What the page says against what the services read; empty when they agree. */
function configurationProblems(text: string): string[] {
  const { listed, problems } = listedVariables(text);
  for (const { name, section, line } of listed) {
    const { kind, readers } = SECTIONS[section]!;
    const where = `line ${line} ("${section}")`;
    if (kind === 'local') {
      if (!new RegExp(`\\b${name}\\b`).test(stackSources))
        problems.push(`${where}: ${name} is read nowhere in ./platform, infra/ or jest.preset.js`);
      continue;
    }
    // The SDK reads the standard OpenTelemetry variables itself; the shared table may list them.
    if (kind === 'shared' && section === 'Every service' && name.startsWith('OTEL_')) continue;
    for (const reader of readers.filter((r) => !reads[r]!.has(name))) {
      problems.push(`${where}: ${name} is not read by ${reader}`);
    }
  }
  for (const [reader, names] of Object.entries(reads)) {
    for (const name of names) {
      const documented = listed.some(
        ({ name: n, section }) => n === name && SECTIONS[section]!.readers.includes(reader),
      );
      if (!documented)
        problems.push(`${reader} reads ${name}: not in its table nor in a shared one naming it`);
    }
  }
  return problems;
}

// ---- the checks ----

describe('README.md and docs/', () => {
  it('are there to check', () => {
    expect(docs.map((file) => path.relative(root, file))).toEqual(
      expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/bench/report.md']),
    );
  });

  it('link only to files that exist, and to headings that exist', () => {
    expect(docs.flatMap((file) => linkProblems(file, page(file)))).toEqual([]);
  });

  it('hold sh and bash code blocks that bash -n parses', () => {
    const blocks = docs.flatMap((file) => page(file).blocks.filter((b) => SHELL.has(b.lang)));
    expect(blocks.length).toBeGreaterThan(10);
    expect(docs.flatMap((file) => shellProblems(file, page(file)))).toEqual([]);
  });
});

describe('docs/configuration.md against the services configuration schemas', () => {
  const text = fs.readFileSync(configPage, 'utf8');

  it('reads what each service reads from its loader', () => {
    expect(reads['user-api']).toContain('AUTH_ISSUER');
    expect(reads['outbox-publisher']).toContain('KAFKA_BROKERS');
    expect(reads['clickhouse-sink']).toContain('SINK_BATCH_SIZE');
    expect(reads['outbox-cli audit']).toContain('SINK_QUERY_URL');
    expect(reads['user-api']).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(reads['user-api']).not.toContain('DATABASE_URL_FILE');
  });

  it('lists every variable a service reads, and only those, each in the table of its readers', () => {
    expect(configurationProblems(text)).toEqual([]);
  });

  it('fails when a variable is left out, or one no service reads is listed', () => {
    const withoutRow = text
      .split('\n')
      .filter((line) => !line.startsWith('| `SINK_BATCH_SIZE`'))
      .join('\n');
    expect(configurationProblems(withoutRow)).toEqual([
      'clickhouse-sink reads SINK_BATCH_SIZE: not in its table nor in a shared one naming it',
    ]);
    const withExtra = text.replace(
      '| `SINK_TOPIC`',
      '| `SINK_NO_SUCH_VARIABLE` | unset | nothing |\n| `SINK_TOPIC`',
    );
    expect(configurationProblems(withExtra)).toEqual([
      expect.stringContaining('SINK_NO_SUCH_VARIABLE is not read by clickhouse-sink'),
    ]);
    const inTheWrongTable = text.replace('| `OUTBOX_LANES`', '| `SINK_GROUP_ID` | x | y |\n| `OUTBOX_LANES`');
    expect(configurationProblems(inTheWrongTable)).toEqual([
      expect.stringContaining('SINK_GROUP_ID is not read by outbox-publisher'),
    ]);
  });
});

describe('the docs checks themselves', () => {
  it("make GitHub's anchors", () => {
    expect(slug('Outbox → Kafka')).toBe('outbox--kafka');
    expect(slug('Kafka 4 and 3.9')).toBe('kafka-4-and-39');
    expect(slug("The publisher's operator CLI")).toBe('the-publishers-operator-cli');
    expect(slug("`POST /users` against the database's own limit")).toBe(
      'post-users-against-the-databases-own-limit',
    );
    expect([...anchors(['Tests', 'Tests'])]).toEqual(['tests', 'tests-1']);
  });

  it('find a missing file, a missing heading, and a shell block that does not parse', () => {
    const file = path.join(root, 'docs/example.md');
    const markdown = parseMarkdown(
      [
        '# Example',
        '[ok](architecture.md#why) [self](#example) [web](https://example.com/x.md)',
        '[gone](no-such-page.md) [wrong](architecture.md#no-such-heading) `[code](not-a-link.md)`',
        '```sh',
        'if true; then',
        '```',
        '```text',
        'if true; then',
        '```',
      ].join('\n'),
    );
    expect(linkProblems(file, markdown)).toEqual([
      'docs/example.md:3: no-such-page.md: no such file',
      'docs/example.md:3: architecture.md#no-such-heading: no heading with this anchor',
    ]);
    expect(shellProblems(file, markdown)).toEqual([expect.stringMatching(/^docs\/example\.md:4: bash -n: /)]);
  });
});
