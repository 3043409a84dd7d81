# corofy's CMake functions, for projects that use corofy through
# find_package(Corofy CONFIG) or add_subdirectory(corofy):
#
#   corofy_target_sources(<target> [BACKEND state-machine|fiber]
#                         [LINE_DIRECTIVES ON|OFF] FILES <file>...)
#     Runs corofy on each file at build time, with the target's own include
#     paths, definitions and C++ standard, and compiles the generated file
#     in place of the input. corofy re-runs when the input or anything it
#     includes changes (a depfile), and the build log says
#     "Corofying <file>". With LINE_DIRECTIVES ON (the default), compiler
#     errors in the generated code point at the input's lines.
#
#   corofy_check_sources(<target> FILES <file>...)
#     Adds a test, corofy_check.<target>, that runs `corofy --check` on each
#     file: it fails with a unified diff when the checked-in
#     <file>_corofied.<ext> beside the file is out of date.
include_guard(GLOBAL)

# How to run corofy: the in-tree target, or the installed one (in an
# AddressSanitizer build of corofy's own tree, with the environment its
# tool needs, see Sanitizers.cmake).
function(_corofy_command out tool_out)
  if(TARGET corofy)
    set(tool "$<TARGET_FILE:corofy>")
  elseif(TARGET Corofy::corofy)
    set(tool "$<TARGET_FILE:Corofy::corofy>")
  elseif(COROFY_EXECUTABLE)
    set(tool "${COROFY_EXECUTABLE}") # a prebuilt one, see cmake/Corofy.cmake
  else()
    message(FATAL_ERROR "corofy: no corofy executable; use find_package(Corofy) "
                        "or add_subdirectory() on corofy's source tree first")
  endif()
  set(${tool_out} "${tool}" PARENT_SCOPE)
  if(COROFY_TOOL_ENV)
    set(${out} "${CMAKE_COMMAND}" -E env ${COROFY_TOOL_ENV} "${tool}" PARENT_SCOPE)
  else()
    set(${out} "${tool}" PARENT_SCOPE)
  endif()
endfunction()

# The compiler flags corofy parses a source of <target> with.
function(_corofy_flags target out)
  set(includes "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  set(defines "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  set(standard "$<TARGET_PROPERTY:${target},CXX_STANDARD>")
  set(${out}
    "-std=c++$<IF:$<BOOL:${standard}>,${standard},20>"
    "$<$<BOOL:${includes}>:-I$<JOIN:${includes},$<SEMICOLON>-I>>"
    "$<$<BOOL:${defines}>:-D$<JOIN:${defines},$<SEMICOLON>-D>>"
    PARENT_SCOPE)
endfunction()

function(corofy_target_sources target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "BACKEND;LINE_DIRECTIVES" "FILES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "corofy_target_sources: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "corofy_target_sources: '${target}' is not a target")
  endif()
  if(NOT ARG_FILES)
    message(FATAL_ERROR "corofy_target_sources: FILES is required")
  endif()
  if(NOT DEFINED ARG_BACKEND)
    set(ARG_BACKEND state-machine)
  endif()
  if(NOT ARG_BACKEND MATCHES "^(state-machine|fiber)$")
    message(FATAL_ERROR "corofy_target_sources: BACKEND must be state-machine or fiber, not '${ARG_BACKEND}'")
  endif()
  if(NOT DEFINED ARG_LINE_DIRECTIVES)
    set(ARG_LINE_DIRECTIVES ON)
  endif()

  _corofy_command(command tool)
  _corofy_flags(${target} flags)
  set(options "")
  if(ARG_LINE_DIRECTIVES)
    list(APPEND options --line-directives)
  endif()
  if(ARG_BACKEND STREQUAL "fiber")
    list(APPEND options --backend=fiber)
  endif()

  foreach(file IN LISTS ARG_FILES)
    get_filename_component(input "${file}" ABSOLUTE)
    if(NOT EXISTS "${input}")
      message(FATAL_ERROR "corofy_target_sources: no such file: ${file}")
    endif()
    file(RELATIVE_PATH relative "${CMAKE_CURRENT_SOURCE_DIR}" "${input}")
    string(REPLACE "../" "__/" relative "${relative}")
    get_filename_component(dir "${relative}" DIRECTORY)
    get_filename_component(stem "${relative}" NAME_WE)
    get_filename_component(ext "${relative}" LAST_EXT)
    set(output "${CMAKE_CURRENT_BINARY_DIR}/corofy/${target}/${dir}/${stem}_corofied${ext}")
    get_filename_component(input_dir "${input}" DIRECTORY)
    get_filename_component(output_dir "${output}" DIRECTORY)
    add_custom_command(
      OUTPUT "${output}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${output_dir}"
      COMMAND ${command} "${input}" -o "${output}"
              --depfile "${output}.d" ${options} -- ${flags}
      DEPENDS "${input}" "${tool}"
      DEPFILE "${output}.d"
      COMMENT "Corofying ${file}"
      COMMAND_EXPAND_LISTS
      VERBATIM)
    # The input stays in the target (editors see it) but is not compiled;
    # the generated file is, finding the input's neighbours as it would.
    set_source_files_properties("${input}" TARGET_DIRECTORY ${target}
      PROPERTIES HEADER_FILE_ONLY ON)
    set_source_files_properties("${output}" TARGET_DIRECTORY ${target}
      PROPERTIES INCLUDE_DIRECTORIES "${input_dir}")
    target_sources(${target} PRIVATE "${output}")
  endforeach()
endfunction()

function(corofy_check_sources target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "FILES")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_FILES)
    message(FATAL_ERROR "corofy_check_sources: usage: corofy_check_sources(<target> FILES <file>...)")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "corofy_check_sources: '${target}' is not a target")
  endif()
  _corofy_command(command tool)
  _corofy_flags(${target} flags)
  set(inputs "")
  foreach(file IN LISTS ARG_FILES)
    get_filename_component(input "${file}" ABSOLUTE)
    list(APPEND inputs "${input}")
  endforeach()
  add_test(NAME corofy_check.${target}
    COMMAND ${command} --check ${inputs} -- ${flags}
    COMMAND_EXPAND_LISTS)
endfunction()
