# Fails unless ctest, in BUILD_DIR, lists at least one test run by each binary named in
# BINARIES, so that tests cannot silently drop out of a build that should have them.
#
#   cmake -DCTEST=<ctest> -DBUILD_DIR=<dir> -DWORK_DIR=<scratch dir> -DBINARIES="a;b" \
#         -P tests_registered.cmake
#
# ctest -N writes Testing/Temporary/LastTest.log under the directory it runs in, which
# would clobber the log of the ctest run this check is part of; so it runs in WORK_DIR,
# whose CTestTestfile.cmake only points at BUILD_DIR.
foreach(var CTEST BUILD_DIR WORK_DIR BINARIES)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "tests_registered.cmake: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/CTestTestfile.cmake" "subdirs(\"${BUILD_DIR}\")\n")
execute_process(COMMAND "${CTEST}" -N -V
  WORKING_DIRECTORY "${WORK_DIR}" OUTPUT_VARIABLE listing ERROR_VARIABLE errors
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest -N failed in ${BUILD_DIR} (${rc}):\n${errors}")
endif()

# Each test prints "<n>: Test command: <path to binary> <args>"; the path is empty when
# the binary is missing (its tests then show up as <binary>_NOT_BUILT).
set(missing "")
foreach(binary IN LISTS BINARIES)
  string(REGEX MATCH "Test command: [^\n]*/${binary}( [^\n]*)?\n" hit "${listing}")
  if(NOT hit)
    list(APPEND missing "${binary}")
  endif()
endforeach()
if(missing)
  list(JOIN missing ", " missing)
  message(FATAL_ERROR "ctest in ${BUILD_DIR} lists no test run by: ${missing}. If they "
                      "were dropped or renamed on purpose, update BINARIES where this check "
                      "is declared (tests/CMakeLists.txt).")
endif()
list(LENGTH BINARIES n)
message(STATUS "ctest lists tests from all ${n} binaries: ${BINARIES}")
