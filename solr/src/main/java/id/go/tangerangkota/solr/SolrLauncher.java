package id.go.tangerangkota.solr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Runs a real Solr 9 node on Jetty (JettySolrRunner from solr-test-framework), bound to 127.0.0.1.
 *
 * <p>Usage: {@code SolrLauncher <solrHome> <port> <configsetDir> <coreName>...}. The solr home keeps
 * the index across restarts; each named core is created from the configset on first start and its
 * conf/ is refreshed from the configset on every start, so schema changes in git reach the core.
 */
public final class SolrLauncher {

  private SolrLauncher() {}

  public static void main(String[] args) throws Exception {
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
}
