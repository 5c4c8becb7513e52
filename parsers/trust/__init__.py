"""The trust stage: the evidence on each reading, the doubt rules, and the policy that decides."""
