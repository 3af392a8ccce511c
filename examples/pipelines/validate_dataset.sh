#!/bin/sh
# Task command for ValidateData (examples/command_tasks.cpp): reads {"dataset":{...,"rows":N}} on
# stdin and prints {"ok":...,"rows":N} on stdout. Plain sh and sed, so the example needs nothing else.
input=$(cat)
rows=$(printf '%s' "$input" | sed -n 's/.*"rows":\([0-9]*\).*/\1/p')
echo "checked ${rows:-0} rows" >&2
if [ "${rows:-0}" -ge 1000 ]; then
  printf '{"ok":true,"rows":%s}\n' "$rows"
else
  printf '{"ok":false,"rows":%s}\n' "${rows:-0}"
fi
