# Inputs of the DSM image build. Every one has a default that builds the production image on
# Graviton; override with -var, a *.pkrvars.hcl file, or PKR_VAR_<name> in the environment.

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "Region the image is built and registered in (config aws.region)."
}

variable "arch" {
  type        = string
  default     = "arm64"
  description = "CPU architecture: arm64 (Graviton, the default) or x86_64. The bundle must be built for the same one (DSM_ARCH)."
  validation {
    condition     = contains(["arm64", "x86_64"], var.arch)
    error_message = "The arch variable must be arm64 or x86_64."
  }
}

variable "instance_type" {
  type        = string
  default     = ""
  description = "Build instance type; empty picks c7g.large for arm64 and c7i.large for x86_64."
}

variable "base_ami_name" {
  type        = string
  default     = "al2023-ami-2023.*-kernel-*"
  description = "Name filter of the Amazon Linux 2023 base image, without the architecture suffix (the standard image, not minimal)."
}

variable "base_ami_owner" {
  type        = string
  default     = "amazon"
  description = "Owner of the base image."
}

variable "dsm_env" {
  type        = string
  default     = "prod"
  description = "Environment config (config/<env>.ts) whose host values (CPU affinity, nofile, isolated cores) are baked in."
}

variable "dsm_version" {
  type        = string
  default     = ""
  description = "DSM version; empty reads it from package.json. Selects dist/dsm-<version>-<arch>.{tgz,json}."
}

variable "git_revision" {
  type        = string
  default     = ""
  description = "Git revision tagged on the image; empty takes the one make bundle recorded in the bundle manifest."
}

variable "root_volume_gb" {
  type        = number
  default     = 10
  description = "Size of the image's root snapshot (instances may launch with more: config aws.rootVolumeGb)."
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key for the encrypted root snapshot; empty uses the account's default EBS key."
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Subnet for the build instance; empty uses the default VPC."
}

variable "tags" {
  type        = map(string)
  default     = { project = "dsm" }
  description = "Extra tags on the image and its snapshot."
}
