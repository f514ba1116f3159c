# The one place that says how a kizashi target is built.
#
#   kizashi_library(NAME decode SRCS a.cc b.cc DEPS kizashi::event absl::status)
#       -> static library target kizashi_decode, alias kizashi::decode.
#          Public include root is the repository root, so headers are included as
#          "engine/decode/decoder.h".
#   kizashi_executable(NAME kizashi SRCS main.cc DEPS ...)
#   kizashi_test(NAME decode_test SRCS decode_test.cc DEPS kizashi::decode [LABELS unit] [TIMEOUT s])
#   kizashi_bench(NAME decode_bench SRCS decode_bench.cc DEPS ...)
#   kizashi_fuzz(NAME fuzz_eve SRCS fuzz_eve.cc DEPS ... CORPUS dir)
include_guard(GLOBAL)

set(KIZASHI_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)
get_filename_component(KIZASHI_ROOT ${KIZASHI_ROOT} ABSOLUTE)

function(_kizashi_common_flags target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter
                         -Wno-missing-field-initializers
                         # GCC 12 false positives on std::string concatenation at -O2
                         # (GCC bugs 105329/105651).
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict -Wno-stringop-overflow>)
  if(KIZASHI_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(KIZASHI_ASAN)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(KIZASHI_TSAN)
    target_compile_options(${target} PUBLIC -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=thread)
  endif()
  if(KIZASHI_FUZZ)
    # Coverage instrumentation for every library the fuzz targets link.
    target_compile_options(${target} PUBLIC -fsanitize=fuzzer-no-link)
  endif()
endfunction()

function(kizashi_library)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(t kizashi_${K_NAME})
  if(K_SRCS)
    add_library(${t} STATIC ${K_SRCS})
    target_include_directories(${t} PUBLIC ${KIZASHI_ROOT})
    target_link_libraries(${t} PUBLIC ${K_DEPS} PRIVATE ${K_PRIVATE_DEPS})
    _kizashi_common_flags(${t})
  else()
    add_library(${t} INTERFACE)
    target_include_directories(${t} INTERFACE ${KIZASHI_ROOT})
    target_link_libraries(${t} INTERFACE ${K_DEPS})
    target_compile_features(${t} INTERFACE cxx_std_20)
  endif()
  add_library(kizashi::${K_NAME} ALIAS ${t})
endfunction()

function(kizashi_executable)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS})
  _kizashi_common_flags(${K_NAME})
endfunction()

# Tests get KIZASHI_SOURCE_DIR (repo root) and KIZASHI_SHARED_DATA (../shared/data, may be
# absent: tests then GTEST_SKIP with the reason) as compile definitions.
function(kizashi_test)
  if(NOT KIZASHI_TESTS)
    return()
  endif()
  cmake_parse_arguments(K "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS} kizashi::testing GTest::gtest GTest::gmock)
  _kizashi_common_flags(${K_NAME})
  if(NOT K_LABELS)
    set(K_LABELS unit)
  endif()
  if(NOT K_TIMEOUT)
    set(K_TIMEOUT 300)
  endif()
  add_test(NAME ${K_NAME} COMMAND ${K_NAME} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(${K_NAME} PROPERTIES LABELS "${K_LABELS}" TIMEOUT ${K_TIMEOUT})
endfunction()

function(kizashi_bench)
  if(NOT KIZASHI_BENCH)
    return()
  endif()
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS} benchmark::benchmark)
  _kizashi_common_flags(${K_NAME})
  target_compile_definitions(${K_NAME} PRIVATE KIZASHI_SOURCE_DIR="${KIZASHI_ROOT}")
  # Every benchmark has a smoke test (one short repetition, no timing assertions).
  if(KIZASHI_TESTS)
    add_test(NAME smoke_${K_NAME} COMMAND ${K_NAME} --benchmark_min_time=0.01
             WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties(smoke_${K_NAME} PROPERTIES LABELS "bench_smoke" TIMEOUT 300
                         ENVIRONMENT "KIZASHI_BENCH_SMOKE=1")
  endif()
endfunction()

function(kizashi_fuzz)
  if(NOT KIZASHI_FUZZ)
    return()
  endif()
  cmake_parse_arguments(K "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS})
  _kizashi_common_flags(${K_NAME})
  target_compile_options(${K_NAME} PRIVATE -fsanitize=fuzzer)
  target_link_options(${K_NAME} PRIVATE -fsanitize=fuzzer)
  set_property(GLOBAL APPEND PROPERTY KIZASHI_FUZZ_TARGETS "${K_NAME}|${K_CORPUS}")
endfunction()

# Adds every immediate sub-folder that has a CMakeLists.txt, in name order, so that a new
# component is one new folder and no edit to a shared list.
macro(kizashi_add_subdirectories)
  file(GLOB _kz_children CONFIGURE_DEPENDS LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}
       ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT _kz_children)
  foreach(_kz_child ${_kz_children})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${_kz_child}
       AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_kz_child}/CMakeLists.txt)
      add_subdirectory(${_kz_child})
    endif()
  endforeach()
endmacro()

# Adds every sub-folder of `dir` (relative to the current source dir) that has a CMakeLists.txt.
function(kizashi_add_subdirectories_of dir)
  file(GLOB children CONFIGURE_DEPENDS LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}/${dir}
       ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*)
  list(SORT children)
  foreach(child ${children})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${child}/CMakeLists.txt)
      add_subdirectory(${dir}/${child})
    endif()
  endforeach()
endfunction()
