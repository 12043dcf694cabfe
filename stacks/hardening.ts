/**
 * The host settings every DSM instance and launch template shares, in one place so the policy
 * tests and the constructs cannot drift: IMDSv2 only (a one-hop limit keeps containers off the
 * metadata service), encrypted gp3 root volumes, detailed monitoring, EBS-optimized.
 */
export const METADATA_OPTIONS = { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' } as const;

/**
 * gp3's baseline, spelled out: left implicit, a later provider or API default could change the
 * volume's performance without a diff. The AMI's template (ami/dsm.pkr.hcl) sets the same.
 */
export const GP3 = { iops: 3000, throughputMiBps: 125 } as const;

export function rootVolume(sizeGb: number) {
  return { volumeType: 'gp3', volumeSize: sizeGb, iops: GP3.iops, throughput: GP3.throughputMiBps, encrypted: true, deleteOnTermination: true } as const;
}

/** Settings for aws_instance. */
export function instanceHardening(rootVolumeGb: number) {
  return { metadataOptions: METADATA_OPTIONS, rootBlockDevice: rootVolume(rootVolumeGb), ebsOptimized: true, monitoring: true } as const;
}

/** Launch templates spell booleans as strings for EBS. */
export function launchTemplateHardening(rootVolumeGb: number, deviceName = '/dev/xvda') {
  return {
    metadataOptions: METADATA_OPTIONS,
    blockDeviceMappings: [{ deviceName, ebs: { volumeType: 'gp3', volumeSize: rootVolumeGb, iops: GP3.iops, throughput: GP3.throughputMiBps, encrypted: 'true', deleteOnTermination: 'true' } }],
    ebsOptimized: 'true',
    monitoring: { enabled: true },
  };
}
