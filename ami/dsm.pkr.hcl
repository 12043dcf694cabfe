# The DSM host image: Amazon Linux 2023 + pinned nats-server + Node 20 + the DSM bundle +
# systemd units rendered from config + kernel/network/time tuning. `make ami` runs
# `packer init . && packer build .` here after `make bundle`. Variables: variables.pkr.hcl.

packer {
  required_version = ">= 1.9.0"
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

locals {
  version       = var.dsm_version != "" ? var.dsm_version : jsondecode(file("${path.root}/../package.json")).version
  manifest_path = "${path.root}/../dist/dsm-${local.version}-${var.arch}.json"
  # Written by make bundle next to the tarball: version, revision, arch, sha256.
  manifest      = jsondecode(file(local.manifest_path))
  bundle_path   = "${path.root}/../dist/${local.manifest.bundle}"
  git_revision  = var.git_revision != "" ? var.git_revision : local.manifest.revision
  instance_type = var.instance_type != "" ? var.instance_type : (var.arch == "arm64" ? "c7g.large" : "c7i.large")
  build_time    = formatdate("YYYYMMDDhhmmss", timestamp())
  image_tags = merge(var.tags, {
    Name         = "dsm-${var.dsm_env}-${local.version}-${var.arch}"
    DsmVersion   = local.version
    GitRevision  = local.git_revision
    DsmEnv       = var.dsm_env
    Arch         = var.arch
    BundleSha256 = local.manifest.sha256
  })
}

source "amazon-ebs" "dsm" {
  region          = var.region
  instance_type   = local.instance_type
  subnet_id       = var.subnet_id != "" ? var.subnet_id : null
  ami_name        = "dsm-${var.dsm_env}-${local.version}-${var.arch}-${local.build_time}"
  ami_description = "DSM ${local.version} (${local.git_revision}) for env ${var.dsm_env}, ${var.arch}"

  source_ami_filter {
    filters = {
      name                = "${var.base_ami_name}-${var.arch}"
      architecture        = var.arch
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = [var.base_ami_owner]
    most_recent = true
  }

  ssh_username = "ec2-user"
  ena_support  = true

  # Instances launched from the image require IMDSv2 (token-protected metadata); so does the build instance.
  imds_support = "v2.0"
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  # Root volume encrypted on the build instance and in the registered snapshot.
  encrypt_boot = true
  kms_key_id   = var.kms_key_id != "" ? var.kms_key_id : null
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.root_volume_gb
    volume_type           = "gp3"
    # gp3 baseline spelled out (stacks/hardening.ts GP3 sets the same on instances and templates).
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    delete_on_termination = true
  }

  tags          = local.image_tags
  snapshot_tags = local.image_tags
  run_tags      = { Name = "packer-dsm-${var.dsm_env}-${var.arch}" }
}

build {
  name    = "dsm"
  sources = ["source.amazon-ebs.dsm"]

  provisioner "shell" {
    inline = ["mkdir -p /tmp/dsm-ami"]
  }

  provisioner "file" {
    source      = local.bundle_path
    destination = "/tmp/dsm-ami/dsm-bundle.tgz"
  }

  provisioner "file" {
    sources     = ["${path.root}/scripts", "${path.root}/files"]
    destination = "/tmp/dsm-ami/"
  }

  # The provisioning scripts, in order; each is idempotent and also runs in tests (make ami-check).
  provisioner "shell" {
    environment_vars = [
      "DSM_ROOT=/",
      "DSM_ENV=${var.dsm_env}",
      "DSM_ARCH=${var.arch}",
      "DSM_BUNDLE=/tmp/dsm-ami/dsm-bundle.tgz",
    ]
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} bash {{ .Path }}"
    inline = [
      "set -euo pipefail",
      "bash /tmp/dsm-ami/scripts/install-nats.sh",
      "bash /tmp/dsm-ami/scripts/install-dsm.sh",
      "bash /tmp/dsm-ami/scripts/install-units.sh",
      "bash /tmp/dsm-ami/scripts/tune-kernel.sh",
      "bash /tmp/dsm-ami/scripts/configure-time.sh",
      "bash /tmp/dsm-ami/scripts/install-log-shipping.sh",
      "/usr/local/bin/dsm --version",
      "/usr/local/bin/nats-server --version",
      "test -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
      "rm -rf /tmp/dsm-ami",
    ]
  }

  # dist/ami-manifest.json carries the new AMI id (artifact_id "<region>:ami-...") for the rollout.
  post-processor "manifest" {
    output     = "${path.root}/../dist/ami-manifest.json"
    strip_path = true
    custom_data = {
      dsm_version  = local.version
      git_revision = local.git_revision
      dsm_env      = var.dsm_env
      arch         = var.arch
    }
  }
}
