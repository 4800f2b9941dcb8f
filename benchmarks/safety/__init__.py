"""The standard's safety data (GB/T 45654-2025, TC260-003): the 31 risks and the bank requirements,
read from the YAML files beside this module."""
