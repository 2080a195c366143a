"""The AWS partition (aws, aws-cn, aws-us-gov): the one place ARNs get their second field.

Every ARN, policy and SCP the wizard writes takes the partition from the caller's ARN (or the
region), never a literal: in China or GovCloud an `arn:aws:` condition silently matches nothing.
"""

from __future__ import annotations

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def partition_of_arn(arn: str) -> str:
    """The partition an ARN names (arn:PARTITION:...); 'aws' for anything else."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] in PARTITIONS else "aws"


def partition_of_region(region: str) -> str:
    """The partition a region belongs to (cn-north-1 -> aws-cn, us-gov-west-1 -> aws-us-gov)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def arn(partition: str, service: str, region: str, account: str, resource: str) -> str:
    """arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE."""
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def in_partition(text: str, partition: str) -> str:
    """AWS's documented JSON (written for the aws partition) with every ARN in `partition`."""
    return text.replace('"arn:aws:', f'"arn:{partition}:')
