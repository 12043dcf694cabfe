/**
 * Test helpers: cdktf's jest matchers registered on vitest's global `expect` (vitest runs with
 * `globals: true`, which is all `Testing.setupJest` needs), and typed access to synthesized JSON.
 */
import { Construct, Testing, TerraformStack } from './cdktf.js';

Testing.setupJest();

interface ResourceClass { readonly tfResourceType: string }

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Matchers<T = any> {
    toHaveResource(type: ResourceClass): T;
    toHaveResourceWithProperties(type: ResourceClass, properties: Record<string, unknown>): T;
    toHaveDataSource(type: ResourceClass): T;
    toHaveDataSourceWithProperties(type: ResourceClass, properties: Record<string, unknown>): T;
    toHaveProviderWithProperties(type: ResourceClass, properties: Record<string, unknown>): T;
  }
}

// Synthesized Terraform JSON is untyped by nature; tests index into it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Synthesized {
  /** The JSON string, for cdktf's matchers. */
  text: string;
  json: Json;
}

export function synthScope(build: (scope: Construct) => void): Synthesized {
  const text = Testing.synthScope(build);
  return { text, json: JSON.parse(text) };
}

export function synthStack(stack: TerraformStack): Synthesized {
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) };
}

/** All resources of one type as [logicalName, properties] pairs. */
export function resourcesOf(json: Json, type: string): Array<[string, Json]> {
  return Object.entries((json.resource?.[type] ?? {}) as Record<string, Json>);
}

export function only(json: Json, type: string): Json {
  const all = resourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0]![1];
}

/** The Terraform reference `${type.name.attr}` to a resource found by a predicate on its properties. */
export function refTo(json: Json, type: string, predicate: (props: Json) => boolean, attr = 'id'): string {
  const hit = resourcesOf(json, type).find(([, p]) => predicate(p));
  if (!hit) throw new Error(`no ${type} matches`);
  return '${' + `${type}.${hit[0]}.${attr}` + '}';
}
