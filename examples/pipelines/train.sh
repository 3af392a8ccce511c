#!/bin/sh
# Task command for Train (examples/command_tasks.cpp): "trains" for three epochs, reporting on
# stderr (each line reaches the host prefixed with the state's name) with a heartbeat line after
# each epoch. The first attempt fails with an error object on stdout and a non-zero exit, as a
# preempted training node would; the state's Retry on Training.TransientError runs it again.
# $COMMAND_TASKS_DIR (set by the example) remembers that the first attempt happened.
input=$(cat)
rate=$(printf '%s' "$input" | sed -n 's/.*"learning_rate":\([0-9.]*\).*/\1/p')
marker="${COMMAND_TASKS_DIR:-/tmp}/train-attempted"
if [ ! -e "$marker" ]; then
  : >"$marker"
  echo "node preempted after epoch 0" >&2
  echo '{"Error":"Training.TransientError","Cause":"training node preempted"}'
  exit 75
fi
for epoch in 1 2 3; do
  echo "epoch $epoch/3 done" >&2
  echo '{"heartbeat": true}' >&2
done
printf '{"model_id":"churn-lr-%s","epochs":3}\n' "$rate"
