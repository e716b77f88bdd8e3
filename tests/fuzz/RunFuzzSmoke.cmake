# SPDX-License-Identifier: GPL-3.0-or-later
# One fuzz_<name>_smoke test (cmake -P): a bounded fuzz run on a copy of the seed corpus, then a
# plain replay of the saved regressions. Fails if either finds a crash, timeout, leak or
# sanitizer report.
#
# -DFUZZER=<executable> -DCORPUS=<seed dir> -DDICT=<.dict file> -DREGRESSIONS=<dir, may be absent>
# -DWORK=<scratch dir in the build tree> -DSECONDS=<fuzz time>
foreach(var FUZZER CORPUS DICT REGRESSIONS WORK SECONDS)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "RunFuzzSmoke.cmake: -D${var}= is missing")
    endif()
endforeach()

# A fresh copy every time: libFuzzer adds the inputs it finds to its first corpus directory, and
# the source tree must not change under a test run.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB seeds LIST_DIRECTORIES false "${CORPUS}/*")
list(LENGTH seeds seedCount)
if(seedCount EQUAL 0)
    message(FATAL_ERROR "no seed inputs in ${CORPUS}")
endif()
file(COPY ${seeds} DESTINATION "${WORK}/corpus")

set(common -timeout=10 -rss_limit_mb=2048 "-artifact_prefix=${WORK}/artifacts/")
set(dictOption)
if(EXISTS "${DICT}")
    set(dictOption "-dict=${DICT}")
endif()

message(STATUS "fuzzing ${FUZZER} for ${SECONDS} s on a copy of ${seedCount} seeds")
execute_process(
    COMMAND "${FUZZER}" -max_total_time=${SECONDS} ${common} ${dictOption} -print_final_stats=1
            "${WORK}/corpus"
    WORKING_DIRECTORY "${WORK}"
    RESULT_VARIABLE fuzzResult)
if(NOT fuzzResult EQUAL 0)
    file(GLOB artifacts "${WORK}/artifacts/*")
    message(FATAL_ERROR "fuzzing failed (exit ${fuzzResult}); inputs kept: ${artifacts}")
endif()

if(IS_DIRECTORY "${REGRESSIONS}")
    file(GLOB regressions LIST_DIRECTORIES false "${REGRESSIONS}/*")
    list(LENGTH regressions regressionCount)
    if(regressionCount GREATER 0)
        # Files (not a directory) as arguments: libFuzzer runs each once and does not fuzz.
        message(STATUS "replaying ${regressionCount} regression inputs from ${REGRESSIONS}")
        execute_process(
            COMMAND "${FUZZER}" ${common} ${regressions}
            WORKING_DIRECTORY "${WORK}"
            RESULT_VARIABLE replayResult)
        if(NOT replayResult EQUAL 0)
            message(FATAL_ERROR "a regression input fails again (exit ${replayResult})")
        endif()
    endif()
endif()
