# Validates every definition of a corpus folder with `asl validate` (ctest label `wild`).
#   cmake -DASL=<asl tool> -DCORPUS=<folder> -P validate_corpus.cmake
# The corpus (definitions extracted from public repositories by extract_definitions.py) lives
# outside this repository; without it the test passes and says so. A file named in the corpus's
# own expected-refusals.tsv (file<TAB>reason, paths relative to the corpus) is reported, not
# failed: the list is for files that are not AWS-accepted definitions (extraction artefacts).
cmake_minimum_required(VERSION 3.16)  # IN_LIST
if(NOT IS_DIRECTORY "${CORPUS}")
  message(STATUS "skipped: no corpus at ${CORPUS}")
  return()
endif()
set(expected "")
if(EXISTS "${CORPUS}/expected-refusals.tsv")
  file(STRINGS "${CORPUS}/expected-refusals.tsv" lines)
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "\t.*" "" name "${line}")
    list(APPEND expected "${name}")
  endforeach()
endif()
file(GLOB_RECURSE files RELATIVE "${CORPUS}" "${CORPUS}/*.json")
list(SORT files)
set(total 0)
set(clean 0)
set(listed 0)
set(refused "")
foreach(f IN LISTS files)
  math(EXPR total "${total} + 1")
  execute_process(COMMAND "${ASL}" validate --definition "${CORPUS}/${f}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    math(EXPR clean "${clean} + 1")
  elseif(f IN_LIST expected)
    math(EXPR listed "${listed} + 1")
    message(STATUS "expected refusal: ${f}")
  else()
    string(STRIP "${out}${err}" why)
    list(APPEND refused "${f}: ${why}")
  endif()
endforeach()
list(LENGTH refused n_refused)
message(STATUS "wild corpus ${CORPUS}: ${total} definitions, ${clean} valid, ${listed} expected refusals, "
               "${n_refused} refused")
if(n_refused GREATER 0)
  string(REPLACE ";" "\n" refused "${refused}")
  message(FATAL_ERROR "refused definitions:\n${refused}")
endif()
