import { type Db, MongoClient } from 'mongodb';
import { testServices, uniqueSuffix } from './services';

export interface TestMongo {
  client: MongoClient;
  db: Db;
  url: string;
  drop(): Promise<void>;
}

/** A MongoDB database of this test's own on the wire server (FerretDB here, MongoDB elsewhere). */
export async function createTestMongo(label = 'test'): Promise<TestMongo> {
  const name = `conveyor_${label}_${uniqueSuffix()}`;
  const base = new URL(testServices().mongoUrl);
  base.pathname = `/${name}`;
  const client = new MongoClient(base.toString(), { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const db = client.db(name);
  return {
    client,
    db,
    url: base.toString(),
    async drop() {
      await db.dropDatabase();
      await client.close();
    },
  };
}
