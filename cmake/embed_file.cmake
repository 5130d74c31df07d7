# Writes a C++ file defining `std::string_view NAME()` that returns the bytes of FILE.
file(READ ${FILE} content)
file(WRITE ${OUT}.tmp "#include <string_view>\nnamespace mashang::app {\nstd::string_view ${NAME}() {\n  static constexpr std::string_view text = R\"MASHANG_FILE(${content})MASHANG_FILE\";\n  return text;\n}\n}  // namespace mashang::app\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
