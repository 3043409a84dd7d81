# Which corofy builds this tree's sources in coroutine/wait syntax (with
# corofy_target_sources, cmake/CorofyFunctions.cmake). The tool is the corofy target of this build or, when this build does not
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
