// The umbrella header: everything a host needs to load and run ASL state machines.
// SPDX-License-Identifier: MIT
#pragma once

#include "asl/builder.hpp"
#include "asl/clock.hpp"
#include "asl/engine.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/json.hpp"
#include "asl/local_directory_store.hpp"
#include "asl/nested.hpp"
#include "asl/object_store.hpp"
#include "asl/parse_json.hpp"
#include "asl/result.hpp"
#include "asl/state_machine.hpp"
#include "asl/task.hpp"
#include "asl/typed_handler.hpp"
#include "asl/validate.hpp"
#include "asl/version.hpp"
