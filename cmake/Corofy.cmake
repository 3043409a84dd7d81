# Building sources written in coroutine/wait syntax: corofy rewrites them at
# build time and the files it writes are compiled instead.
#
# The tool is the corofy target of this build or, when this build does not
# make one (COROFY_BUILD_TOOL=OFF, as in a ThreadSanitizer build, where
# building Clang-based code is slow and needless), a prebuilt corofy named
# by COROFY_EXECUTABLE. The tool's output does not depend on how the tool
# itself was compiled.
set(COROFY_EXECUTABLE "" CACHE FILEPATH
  "A prebuilt corofy to use when COROFY_BUILD_TOOL is OFF")

if(COROFY_BUILD_TOOL OR COROFY_EXECUTABLE)
  set(COROFY_CAN_TRANSFORM ON)
else()
  set(COROFY_CAN_TRANSFORM OFF)
endif()

# corofy_add_sources(<target> <source>... [INCLUDES <dir>...]
#                    [DEPENDS <file>...])
#
# Runs corofy on each <source> and adds the generated
# corofied/<target>/<stem>_corofied.cpp to <target>, with the source's
# directory and the INCLUDES on the include path (corofy parses the source
# with them too). DEPENDS names the files the sources include, so that
# editing one of them runs corofy again.
function(corofy_add_sources TARGET)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "INCLUDES;DEPENDS")
  if(TARGET corofy)
    set(Tool $<TARGET_FILE:corofy>)
    set(ToolDependency corofy)
  elseif(COROFY_EXECUTABLE)
    set(Tool ${COROFY_EXECUTABLE})
    set(ToolDependency ${COROFY_EXECUTABLE})
  else()
    message(FATAL_ERROR "corofy_add_sources(${TARGET}) needs the corofy "
      "tool: set COROFY_BUILD_TOOL=ON or COROFY_EXECUTABLE")
  endif()
  set(OutputDir ${CMAKE_CURRENT_BINARY_DIR}/corofied/${TARGET})
  list(TRANSFORM ARG_INCLUDES PREPEND -I OUTPUT_VARIABLE IncludeFlags)
  target_include_directories(${TARGET} PRIVATE ${ARG_INCLUDES})
  foreach(Source IN LISTS ARG_UNPARSED_ARGUMENTS)
    get_filename_component(Input ${Source} ABSOLUTE)
    get_filename_component(InputDir ${Input} DIRECTORY)
    get_filename_component(Stem ${Source} NAME_WE)
    set(Output ${OutputDir}/${Stem}_corofied.cpp)
    add_custom_command(
      OUTPUT ${Output}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${OutputDir}
      COMMAND ${CMAKE_COMMAND} -E env ${COROFY_TOOL_ENV}
              ${Tool} ${Input} -o ${Output}
              -- -std=c++20 -I${PROJECT_SOURCE_DIR}/include -I${InputDir}
                 ${IncludeFlags}
      DEPENDS ${Input} ${ToolDependency} ${ARG_DEPENDS}
      COMMENT "Corofying ${Source}"
      VERBATIM)
    target_sources(${TARGET} PRIVATE ${Output})
    target_include_directories(${TARGET} PRIVATE ${InputDir})
  endforeach()
endfunction()
