#!/bin/sh
# Task command for Deploy and NotifyBelowThreshold (examples/command_tasks.cpp): echoes what it
# was given under "deployed", so the example shows the input each command received.
printf '{"deployed":%s}\n' "$(cat)"
