package id.go.tangerangkota.solr;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Runs a real Solr 9 node on Jetty (JettySolrRunner from solr-test-framework), bound to 127.0.0.1.
 *
 * <p>Usage: {@code SolrLauncher <solrHome> <port> <configsetDir> <coreName>...}. The solr home keeps
 * the index across restarts; each named core is created from the configset on first start and its
 * conf/ is refreshed from the configset on every start, so schema changes in git reach the core.
 *
 * <p>Cloud mode: {@code SolrLauncher cloud <baseDir> <configsetDir> <collection> <port>...} runs a
 * SolrCloud (MiniSolrCloudCluster: embedded ZooKeeper plus one Solr node per port, all in this JVM),
 * uploads the configset and creates the collection with one shard and one replica per node. Each
 * node answers on http://127.0.0.1:PORT/solr/COLLECTION, so a load balancer can sit in front of
 * them. Lines on stdin drive failover drills: {@code stop PORT} stops that node, {@code start PORT}
 * starts it again; each answers with a line "stopped PORT" / "started PORT" on stdout.
 */
public final class SolrLauncher {

  private SolrLauncher() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("cloud")) {
      cloud(args);
      return;
    }
    if (args.length < 4) {
      System.err.println("usage: SolrLauncher <solrHome> <port> <configsetDir> <coreName>...");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    Path configset = Path.of(args[2]).toAbsolutePath();

    Files.createDirectories(home);
    Path solrXml = home.resolve("solr.xml");
    if (!Files.exists(solrXml)) {
      Files.writeString(solrXml, "<solr><str name=\"sharedLib\">${solr.sharedLib:}</str></solr>\n");
    }
    for (int i = 3; i < args.length; i++) {
      prepareCore(home, configset, args[i]);
    }

    JettyConfig config =
        JettyConfig.builder().setPort(port).setContext("/solr").stopAtShutdown(true).build();
    JettySolrRunner runner = new JettySolrRunner(home.toString(), config);
    runner.start();
    System.out.println("Solr ready on " + runner.getBaseUrl());

    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.stop();
      } catch (Exception e) {
        e.printStackTrace();
      }
      done.countDown();
    }));
    done.await();
  }

  private static void prepareCore(Path home, Path configset, String name) throws IOException {
    Path core = home.resolve(name);
    Path conf = core.resolve("conf");
    Files.createDirectories(conf);
    try (Stream<Path> files = Files.walk(configset)) {
      for (Path src : (Iterable<Path>) files::iterator) {
        Path dst = conf.resolve(configset.relativize(src).toString());
        if (Files.isDirectory(src)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Path props = core.resolve("core.properties");
    if (!Files.exists(props)) {
      Files.writeString(props, "name=" + name + "\n");
    }
  }

  private static void cloud(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: SolrLauncher cloud <baseDir> <configsetDir> <collection> <port>...");
      System.exit(2);
    }
    Path base = Path.of(args[1]).toAbsolutePath();
    Path configset = Path.of(args[2]).toAbsolutePath();
    String collection = args[3];
    // node names in ZooKeeper must be reachable addresses: stay on loopback
    System.setProperty("host", "127.0.0.1");
    Files.createDirectories(base);

    // nodes are added below on fixed ports, so that a load balancer config can name them
    MiniSolrCloudCluster cluster =
        new MiniSolrCloudCluster.Builder(0, base).addConfig("ckan", configset).build();
    Map<Integer, JettySolrRunner> nodes = new LinkedHashMap<>();
    for (int i = 4; i < args.length; i++) {
      int port = Integer.parseInt(args[i]);
      JettyConfig config = JettyConfig.builder().setPort(port).setContext("/solr")
          .stopAtShutdown(true).build();
      nodes.put(port, cluster.startJettySolrRunner("node-" + port, "/solr", config));
    }
    cluster.waitForAllNodes(60);
    int replicas = nodes.size();
    CollectionAdminRequest.createCollection(collection, "ckan", 1, replicas)
        .process(cluster.getSolrClient());
    cluster.waitForActiveCollection(collection, 120, TimeUnit.SECONDS, 1, replicas);
    System.out.println("SolrCloud ready: collection " + collection + " on ports " + nodes.keySet()
        + ", ZooKeeper " + cluster.getZkServer().getZkAddress());
    System.out.flush();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        cluster.shutdown();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    // with stdin closed (nohup, docker) the cluster simply runs until it is signalled
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split("\\s+");
      if (cmd.length != 2 || !nodes.containsKey(Integer.valueOf(cmd[1]))) {
        System.out.println("unknown command: " + line);
        System.out.flush();
        continue;
      }
      int port = Integer.parseInt(cmd[1]);
      JettySolrRunner node = nodes.get(port);
      if (cmd[0].equals("stop")) {
        cluster.stopJettySolrRunner(node);
        cluster.waitForJettyToStop(node);
        System.out.println("stopped " + port);
      } else if (cmd[0].equals("start")) {
        cluster.startJettySolrRunner(node, true);
        cluster.waitForActiveCollection(collection, 120, TimeUnit.SECONDS, 1, replicas);
        System.out.println("started " + port);
      } else {
        System.out.println("unknown command: " + line);
      }
      System.out.flush();
    }
    new CountDownLatch(1).await();
  }
}
