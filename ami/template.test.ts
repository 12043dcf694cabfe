/**
 * The Packer template, parsed with @cdktf/hcl2json and checked for what `packer build` relies on:
 * the amazon plugin, the amazon-ebs source (AL2023 base, IMDSv2, encryption, tags), the
 * provisioners in order, and variables that are all declared and all used. `packer validate`
 * runs only where a Packer that understands HCL2 `required_plugins` (>= 1.7) is installed.
 */
import { GP3 } from '../stacks/hardening.js';
import { parse } from '@cdktf/hcl2json';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AMI_DIR, PROVISION_ORDER, tempDir } from './testing.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const files = readdirSync(AMI_DIR).filter((f) => f.endsWith('.pkr.hcl')).sort();
const texts = Object.fromEntries(files.map((f) => [f, readFileSync(path.join(AMI_DIR, f), 'utf8')]));
const allText = Object.values(texts).join('\n');

let template: Json;
let variables: Json;
beforeAll(async () => {
  template = await parse('dsm.pkr.hcl', texts['dsm.pkr.hcl']!);
  variables = (await parse('variables.pkr.hcl', texts['variables.pkr.hcl']!)).variable;
});

describe('Packer template', () => {
  it('is split into the template and its variables', () => {
    expect(files).toEqual(['dsm.pkr.hcl', 'variables.pkr.hcl']);
  });

  it('requires a current Packer and the amazon plugin', () => {
    const packer = template.packer[0];
    expect(packer.required_version).toBe('>= 1.9.0');
    expect(packer.required_plugins[0].amazon).toEqual({ source: 'github.com/hashicorp/amazon', version: '>= 1.3.0' });
  });

  it('builds from Amazon Linux 2023 of the chosen architecture, owned by amazon, newest first', () => {
    const src = template.source['amazon-ebs'].dsm[0];
    const filter = src.source_ami_filter[0];
    expect(filter.filters.name).toBe('${var.base_ami_name}-${var.arch}');
    expect(filter.filters.architecture).toBe('${var.arch}');
    expect(filter.owners).toEqual(['${var.base_ami_owner}']);
    expect(filter.most_recent).toBe(true);
    expect(variables.base_ami_name[0].default).toBe('al2023-ami-2023.*-kernel-*');
    expect(variables.base_ami_owner[0].default).toBe('amazon');
    expect(variables.arch[0].default).toBe('arm64');
    expect(variables.arch[0].validation[0].condition).toBe('${contains(["arm64", "x86_64"], var.arch)}');
    expect(src.ssh_username).toBe('ec2-user');
  });

  it('encrypts the root volume, requires IMDSv2, enables ENA', () => {
    const src = template.source['amazon-ebs'].dsm[0];
    expect(src.encrypt_boot).toBe(true);
    expect(src.launch_block_device_mappings[0]).toMatchObject({ device_name: '/dev/xvda', volume_type: 'gp3', encrypted: true, delete_on_termination: true });
    // gp3's baseline spelled out, the same figures the stack sets (stacks/hardening.ts GP3).
    expect(src.launch_block_device_mappings[0]).toMatchObject({ iops: GP3.iops, throughput: GP3.throughputMiBps });
    expect(src.imds_support).toBe('v2.0');
    expect(src.metadata_options[0]).toMatchObject({ http_endpoint: 'enabled', http_tokens: 'required' });
    expect(src.ena_support).toBe(true);
  });

  it('tags the image and its snapshot with version and git revision', () => {
    const src = template.source['amazon-ebs'].dsm[0];
    expect(src.tags).toBe('${local.image_tags}');
    expect(src.snapshot_tags).toBe('${local.image_tags}');
    const locals = Object.assign({}, ...template.locals);
    const tags = locals.image_tags as string;
    expect(tags.startsWith('${merge(var.tags, {')).toBe(true);
    expect(tags).toMatch(/\bDsmVersion\s+= local\.version\n/);
    expect(tags).toMatch(/\bGitRevision\s+= local\.git_revision\n/);
    expect(tags).toMatch(/\bDsmEnv\s+= var\.dsm_env\n/);
    // Both default to what make bundle recorded, so the image says exactly what it carries.
    expect(locals.git_revision).toBe('${var.git_revision != "" ? var.git_revision : local.manifest.revision}');
    expect(locals.manifest_path).toBe('${path.root}/../dist/dsm-${local.version}-${var.arch}.json');
  });

  it('uploads the bundle and the scripts, then runs every provisioning script in order', () => {
    const build = template.build[0];
    expect(build.sources).toEqual(['source.amazon-ebs.dsm']);
    const uploads = build.provisioner.file;
    expect(uploads[0]).toEqual({ source: '${local.bundle_path}', destination: '/tmp/dsm-ami/dsm-bundle.tgz' });
    expect(uploads[1]).toEqual({ sources: ['${path.root}/scripts', '${path.root}/files'], destination: '/tmp/dsm-ami/' });
    const run = build.provisioner.shell.find((p: Json) => p.environment_vars);
    expect(run.environment_vars).toEqual(['DSM_ROOT=/', 'DSM_ENV=${var.dsm_env}', 'DSM_ARCH=${var.arch}', 'DSM_BUNDLE=/tmp/dsm-ami/dsm-bundle.tgz']);
    const scripts = (run.inline as string[]).map((l) => /scripts\/([a-z-]+\.sh)$/.exec(l)?.[1]).filter(Boolean);
    expect(scripts).toEqual([...PROVISION_ORDER]);
    // hcl2json groups provisioners by type; the source text fixes the real order: upload, then run.
    const order = [...texts['dsm.pkr.hcl']!.matchAll(/provisioner "(\w+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['shell', 'file', 'file', 'shell']);
  });

  it('writes the AMI id to a manifest for the rollout', () => {
    const pp = template.build[0]['post-processor'].manifest[0];
    expect(pp.output).toBe('${path.root}/../dist/ami-manifest.json');
  });

  it('declares every variable it uses and uses every variable it declares, each described', () => {
    const declared = Object.keys(variables).sort();
    const used = [...new Set([...allText.matchAll(/\bvar\.([a-z_]+)/g)].map((m) => m[1]!))].sort();
    expect(used).toEqual(declared);
    for (const [name, [v]] of Object.entries(variables) as Array<[string, Json[]]>) {
      expect(v!.description, `${name} has a description`).toMatch(/\w{3,}/);
      expect(v!.type, `${name} has a type`).toBeDefined();
    }
    const definedLocals = Object.keys(Object.assign({}, ...template.locals)).sort();
    const usedLocals = [...new Set([...allText.matchAll(/\blocal\.([a-z_]+)/g)].map((m) => m[1]!))].sort();
    expect(usedLocals.filter((l) => !definedLocals.includes(l))).toEqual([]);
  });
});

/** Version of the installed packer, or undefined when there is none. */
function packerVersion(): string | undefined {
  const r = spawnSync('packer', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
}

const installed = packerVersion();
const [major = 0, minor = 0] = (installed ?? '0.0').split('.').map(Number);
const understandsTemplate = installed !== undefined && (major > 1 || (major === 1 && minor >= 9));

/** amazon-ebs settings newer than the builder bundled in Packer 1.6 (they came with the amazon plugin). */
const NEWER_THAN_1_6 = ['imds_support', 'metadata_options'];

/**
 * The template as an old Packer can read it, in a scratch copy of the layout it expects
 * (ami/, package.json, a bundle manifest in dist/): without the `packer {}` block, which
 * 1.6 rejects outright (required_plugins did not exist yet).
 */
function legacyCopy(): string {
  const root = tempDir('packer-legacy');
  mkdirSync(path.join(root, 'ami'));
  mkdirSync(path.join(root, 'dist'));
  writeFileSync(path.join(root, 'ami/dsm.pkr.hcl'), texts['dsm.pkr.hcl']!.replace(/^packer \{\n[\s\S]*?^\}\n/m, ''));
  writeFileSync(path.join(root, 'ami/variables.pkr.hcl'), texts['variables.pkr.hcl']!);
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ version: '1.2.3' }));
  writeFileSync(path.join(root, 'dist/dsm-1.2.3-arm64.json'), JSON.stringify({ version: '1.2.3', revision: 'abc', arch: 'arm64', bundle: 'dsm-1.2.3-arm64.tgz', sha256: '0' }));
  return path.join(root, 'ami');
}

describe('packer validate', () => {
  if (installed === undefined) {
    const reason = 'packer is not installed here (Debian\'s packer 1.6.6 can check part of it: apt-get install packer)';
    it.skip(`skipped: ${reason}`, () => {});
    // Printed so a skipped run says why rather than passing silently.
    console.warn(`ami: packer validate skipped: ${reason}`);
    return;
  }

  if (!understandsTemplate) {
    console.warn(`ami: packer ${installed} predates required_plugins (HCL2 plugins came with 1.7; the template asks for >= 1.9): validating what it understands only`);

    it(`packer ${installed} refuses the packer block, as expected for a version before plugins`, () => {
      const r = spawnSync('packer', ['validate', '-syntax-only', '.'], { cwd: AMI_DIR, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('required_plugins');
    });

    it(`packer ${installed} accepts the syntax of everything else`, () => {
      const r = spawnSync('packer', ['validate', '-syntax-only', '.'], { cwd: legacyCopy(), encoding: 'utf8' });
      expect(r.stdout + r.stderr).toContain('Syntax-only check passed');
      expect(r.status).toBe(0);
    });

    it(`packer ${installed} finds nothing wrong but settings newer than its bundled amazon-ebs builder`, () => {
      const r = spawnSync('packer', ['validate', '.'], { cwd: legacyCopy(), encoding: 'utf8' });
      const complaints = [...(r.stdout + r.stderr).matchAll(/^Error: (.*)\n[\s\S]*?^(An argument named|Blocks of type) "([a-z_]+)"/gm)].map((m) => m[3]);
      const errors = (r.stdout + r.stderr).match(/^Error: /gm) ?? [];
      // Every error is one of the known newer settings, and each is reported once.
      expect(errors.length).toBe(complaints.length);
      expect(complaints.sort()).toEqual([...NEWER_THAN_1_6].sort());
    });
    return;
  }

  it(`packer ${installed} accepts the template (plugins installed with packer init)`, () => {
    const init = spawnSync('packer', ['init', '.'], { cwd: AMI_DIR, encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    // Syntax only: a full validate evaluates locals that read dist/ (written by make bundle).
    const r = spawnSync('packer', ['validate', '-syntax-only', '.'], { cwd: AMI_DIR, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
