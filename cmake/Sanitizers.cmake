# One CMake option per sanitizer; they apply to everything built here,
# including the programs the lit tests compile (see test/lit.site.cfg.py.in).
set(COROFY_SANITIZER_FLAGS "")
if(COROFY_ENABLE_ASAN)
  list(APPEND COROFY_SANITIZER_FLAGS -fsanitize=address -fno-omit-frame-pointer)
endif()
if(COROFY_ENABLE_UBSAN)
  list(APPEND COROFY_SANITIZER_FLAGS -fsanitize=undefined -fno-sanitize-recover=undefined)
endif()
if(COROFY_ENABLE_TSAN)
  if(COROFY_ENABLE_ASAN)
    message(FATAL_ERROR "COROFY_ENABLE_TSAN cannot be combined with COROFY_ENABLE_ASAN")
  endif()
  list(APPEND COROFY_SANITIZER_FLAGS -fsanitize=thread)
endif()
if(COROFY_SANITIZER_FLAGS)
  add_compile_options(${COROFY_SANITIZER_FLAGS})
  add_link_options(${COROFY_SANITIZER_FLAGS})
endif()
string(REPLACE ";" " " COROFY_SANITIZER_FLAGS_STRING "${COROFY_SANITIZER_FLAGS}")

# The tool links Debian's uninstrumented LLVM, whose allocators poison and
# unpoison memory from header code compiled into our instrumented binary;
# ASan must ignore that manual poisoning (every real check stays on).
set(COROFY_TOOL_ENV "")
if(COROFY_ENABLE_ASAN)
  set(COROFY_TOOL_ENV "ASAN_OPTIONS=allow_user_poisoning=0")
endif()
