/**
 * The only file that imports the cdktf core and constructs. CDK for Terraform was archived
 * upstream (December 2025); keeping every core symbol behind this file means a move to the
 * community fork is a change to one import line (see stacks/README.md, "The way out").
 */
export { App, TerraformStack, TerraformOutput, LocalBackend, Testing, Fn, Op, Token, TerraformIterator } from 'cdktf';
export type { ITerraformDependable } from 'cdktf';
export { Construct } from 'constructs';
