/**
 * The synthesized stack as real terraform judges it (part of `make test`): `terraform validate`
 * against the hashicorp/aws provider schema for every shape the stack can take, and the
 * `terraform test` suite in stacks/terraform/ (command = plan, mocked provider: no AWS access).
 * Our own JSON assertions cannot see what only terraform knows (template interpolation in strings,
 * unknown attributes, wrong block shapes); this can.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { prodConfig } from '../config/prod.js';
import type { DsmConfigInput } from '../config/schema.js';
import { directConnectOn, fiveNodes, spreadOverAzs, synthPlatform } from './test-configs.js';
import { findJudge, TerraformWorkdir } from './terraform-judge.js';
import { decodeUserData } from './user-data.js';
import type { Json } from './test-support.js';

const lookup = findJudge();
if (!lookup.ok) {
  // One loud line: a skipped judge must not pass for a green one.
  process.stderr.write(`\n!!! TERRAFORM CHECKS SKIPPED: ${lookup.why}. The stacks were NOT validated against the real aws provider. !!!\n\n`);
}

describe('terraform judge availability', () => {
  it('is present in CI (CI=true), where skipping is a failure', () => {
    if (process.env.CI === 'true') expect(lookup.ok ? 'terraform found' : lookup.why).toBe('terraform found');
  });
});

const shapes = { prod: prodConfig, 'Direct Connect on': directConnectOn, 'five NATS nodes': fiveNodes, 'NATS spread over AZs': spreadOverAzs };
const SUITE_DIR = path.join('stacks', 'terraform');
const suite = Object.fromEntries(readdirSync(SUITE_DIR).filter((f) => f.endsWith('.tftest.hcl')).map((f) => [f, readFileSync(path.join(SUITE_DIR, f), 'utf8')]));
const SLOW = 300_000;

describe.runIf(lookup.ok)('the synthesized stack under real terraform', () => {
  let wd: TerraformWorkdir;
  const prod: Json = synthPlatform(prodConfig).out.json;
  const find = (json: Json, type: string, pred: (r: Json) => boolean): Json => Object.values(json.resource[type] as Record<string, Json>).find(pred);

  beforeAll(() => {
    if (!lookup.ok) return;
    wd = new TerraformWorkdir(lookup.judge);
    wd.init(prod);
  }, SLOW);
  afterAll(() => wd?.dispose());

  it.each(Object.entries(shapes))('terraform validate: %s has no errors', (_, input) => {
    const { errors } = wd.validate(synthPlatform(input).out.json);
    expect(errors).toEqual([]);
  }, SLOW);

  it('validate catches bash ${...} in plain user_data (what the stack used to emit)', () => {
    const old = structuredClone(prod);
    for (const i of Object.values(old.resource.aws_instance as Record<string, Json>)) {
      i.user_data = decodeUserData(i);
      delete i.user_data_base64;
    }
    const { errors } = wd.validate(old);
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(errors.every((e) => e.includes('Extra characters after interpolation expression'))).toBe(true);
  }, SLOW);

  it(`terraform test: ${Object.keys(suite).join(', ')} passes on the prod stack`, () => {
    const r = wd.test(prod, suite);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Success! \d+ passed, 0 failed\./);
  }, SLOW);

  it('terraform test: with aws.azId set, the plan stops when aws.az names another zone in the account', () => {
    const pinned: DsmConfigInput = { ...prodConfig, aws: { ...prodConfig.aws!, azId: 'use1-az4' } };
    const azSuite = { 'az-id.tftest.hcl': readFileSync(path.join(SUITE_DIR, 'az-id', 'az-id.tftest.hcl'), 'utf8') };
    const r = wd.test(synthPlatform(pinned).out.json, azSuite);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('run "az_name_maps_to_another_zone_in_this_account"... pass');
    expect(r.stdout).toMatch(/Success! 2 passed, 0 failed\./);
  }, SLOW);

  it('terraform test fails on a weakened stack, naming each broken run', () => {
    const weak = structuredClone(prod);
    find(weak, 'aws_instance', (i) => i.tags['dsm:node'] === '2' && i.tags['dsm:role'] === 'nats').metadata_options.http_tokens = 'optional';
    Object.values(weak.resource.aws_autoscaling_group as Record<string, Json>)[0].launch_template.version = '$Latest';
    const subPolicy = find(weak, 'aws_iam_role_policy', (p) => p.name.endsWith('-subscriber-permissions'));
    const doc = JSON.parse(subPolicy.policy);
    doc.Statement = doc.Statement.filter((s: Json) => s.Sid !== 'NoOtherTiersTlsParameters');
    subPolicy.policy = JSON.stringify(doc);
    const r = wd.test(weak, suite);
    expect(r.status).toBe(1);
    for (const run of ['hosts_are_placed_and_hardened', 'subscriber_scaling', 'each_tier_reads_only_its_own_keys']) {
      expect(r.stdout).toContain(`run "${run}"... fail`);
    }
  }, SLOW);
});
