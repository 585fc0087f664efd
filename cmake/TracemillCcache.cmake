# Use ccache for every compile when it is installed; 2-core CI relies on it.
find_program(TRACEMILL_CCACHE ccache)
if(TRACEMILL_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${TRACEMILL_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${TRACEMILL_CCACHE}")
  message(STATUS "tracemill: compiling through ccache (${TRACEMILL_CCACHE})")
endif()
