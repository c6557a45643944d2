function(mw_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion
                         -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # libstdc++ 12 hides std::expected from clang 16, which implements P0848 but does not yet
    # advertise __cpp_concepts 202002L (docs/decisions/0002-clang16-expected.md).
    target_compile_options(${target} PRIVATE -Wno-macro-redefined -Wno-unused-command-line-argument)
  endif()
endfunction()
