#pragma once
//! Numbered schema migrations, compiled into the binary from migrations/*.sql.
//! NNNN_name.sql runs on both databases; NNNN_name.sqlite.sql / NNNN_name.pg.sql on one.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/db.hpp"

namespace mashang::store {

struct MigrationFile {
  const char* name;  //!< file name, e.g. "0001_platform.sqlite.sql"
  const char* sql;
};

//! Every migrations/*.sql file, sorted by name (generated at build time).
const std::vector<MigrationFile>& embedded_migrations();

//! The newest schema version this binary knows.
int latest_version();

//! Applies every migration newer than the database's version, each in its own transaction,
//! recorded in schema_migrations. Refuses (conflict) a database newer than this binary.
//! Returns the number of migrations applied.
Result<int> migrate(Db& db);

//! The database's current schema version (0 when empty).
int current_version(Db& db);

}  // namespace mashang::store
