# `cmake --install`: the libraries and their headers, the command, the package files that make
# find_package(neurite) give neurite::neurite (and neurite::viz, neurite::mpi when built), and the files the
# command looks up next to itself (the page, the model specs).
include(CMakePackageConfigHelpers)

set(NEURITE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/neurite)
set(NEURITE_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/neurite)

set(neurite_installed_libraries neurite)
if(NEURITE_VIZ)
  list(APPEND neurite_installed_libraries neurite_viz)
endif()
if(TARGET neurite_mpi)
  list(APPEND neurite_installed_libraries neurite_mpi)
endif()
install(TARGETS ${neurite_installed_libraries} EXPORT neuriteTargets FILE_SET HEADERS
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})  # also for CMake before 3.23 (no file sets)
install(EXPORT neuriteTargets NAMESPACE neurite:: DESTINATION ${NEURITE_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/neuriteConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/neuriteConfig.cmake INSTALL_DESTINATION ${NEURITE_CMAKE_DIR})
# 0.x: a minor version may change the API, so only the same major.minor is accepted.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/neuriteConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/neuriteConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/neuriteConfigVersion.cmake DESTINATION ${NEURITE_CMAKE_DIR})

if(NEURITE_CLI)
  install(TARGETS neurite_cli)
  # The page as cli/web/page_server.cpp serves it, uPlot at the same place under node_modules.
  set(web ${CMAKE_CURRENT_SOURCE_DIR}/web)
  # Every stylesheet and module of the page (a new tab brings its own), as page_server.cpp lists them.
  file(GLOB NEURITE_PAGE_STYLES CONFIGURE_DEPENDS ${web}/*.css)
  file(GLOB NEURITE_PAGE_MODULES CONFIGURE_DEPENDS ${web}/js/*.js)
  install(FILES ${web}/index.html ${web}/app.js ${NEURITE_PAGE_STYLES} DESTINATION ${NEURITE_SHARE_DIR}/web)
  install(FILES ${NEURITE_PAGE_MODULES} DESTINATION ${NEURITE_SHARE_DIR}/web/js)
  if(NOT EXISTS ${web}/node_modules/uplot/dist/uPlot.iife.min.js)
    message(WARNING "neurite: web/node_modules has no uPlot (run scripts/fetch_web.sh); "
                    "`cmake --install` will install the page without it")
  endif()
  install(FILES ${web}/node_modules/uplot/dist/uPlot.iife.min.js ${web}/node_modules/uplot/dist/uPlot.min.css
    DESTINATION ${NEURITE_SHARE_DIR}/web/node_modules/uplot/dist OPTIONAL)
  install(FILES ${web}/node_modules/uplot/LICENSE
    DESTINATION ${NEURITE_SHARE_DIR}/web/node_modules/uplot OPTIONAL)
  file(GLOB neurite_model_specs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/models/*.json)
  install(FILES ${neurite_model_specs} DESTINATION ${NEURITE_SHARE_DIR}/models)
endif()
