"""What every app shares and no domain owns: the display formats (one module, used by pages and
exports alike) and the policy for work that runs later."""
