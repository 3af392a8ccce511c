#!/bin/sh
# Task command for Evaluate (examples/command_tasks.cpp): prints the held-out accuracy as JSON.
cat >/dev/null
echo '{"accuracy":0.93}'
