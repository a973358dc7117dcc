// Creates or updates a SCRAM user on a running broker (AlterUserScramCredentials, KIP-554), for the
// local stack's SASL_SSL listener. Run as a single-file program against the broker's own jars:
//   java -cp "$KAFKA_HOME/lib/*" ScramUser.java <bootstrap> <user> <password file>
// In KRaft the credentials live in the cluster metadata, so they survive restarts; an upsert makes
// re-running harmless. kafka-configs.sh would do the same, but Kafka 4 moved it out of the jars
// the broker needs.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUser {
  public static void main(String[] args) throws Exception {
    String password = Files.readString(Path.of(args[2])).trim();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
      // One request per mechanism: the broker refuses two changes of one user in one request.
      for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
        ScramCredentialInfo info = new ScramCredentialInfo(mechanism, 8192);
        admin
            .alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(args[1], info, password)))
            .all()
            .get();
      }
    }
    System.out.println("SCRAM-SHA-256 and SCRAM-SHA-512 credentials set for " + args[1]);
  }
}
