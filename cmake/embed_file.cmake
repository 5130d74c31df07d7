# Writes a C++ file defining `std::string_view NAME()` that returns the bytes of FILE. The text
# is a char array (its size known to the compiler), not a constexpr string_view: measuring a
# string_view of a large literal at compile time exceeds GCC's constexpr loop limit.
file(READ ${FILE} content)
file(WRITE ${OUT}.tmp "#include <string_view>\nnamespace mashang::app {\nstd::string_view ${NAME}() {\n  static constexpr char text[] = R\"MASHANG_FILE(${content})MASHANG_FILE\";\n  return {text, sizeof text - 1};\n}\n}  // namespace mashang::app\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
