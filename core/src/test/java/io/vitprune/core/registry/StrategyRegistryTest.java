package io.vitprune.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.select.CoreStrategies;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrategyRegistryTest {
    @TempDir
    Path temp;

    @Test
    void findsTheCoreSelectorsWithTheirSource() {
        StrategyRegistry registry = StrategyRegistry.load();

        assertThat(registry.selectors()).extracting(Registered::name).containsSubsequence("global", "uniform");
        Registered<?> uniform = registry.selectors().stream().filter(r -> r.name().equals("uniform")).findFirst().orElseThrow();
        assertThat(uniform.provider()).isEqualTo("core");
        assertThat(Path.of(uniform.source())).isEqualTo(Path.of(Sources.of(CoreStrategies.class)));
        assertThat(Files.exists(Path.of(uniform.source()))).isTrue();
        assertThat(registry.selector("global").name()).isEqualTo("global");
        assertThat(registry.broken()).isEmpty();
    }

    @Test
    void unknownNamesListWhatIsAvailable() {
        StrategyRegistry registry = StrategyRegistry.load();

        assertThatThrownBy(() -> registry.selector("nope"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("unknown selector 'nope': available: global, uniform");
        assertThatThrownBy(() -> registry.scorer("weight-l1"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("unknown scorer 'weight-l1': available: none");
    }

    @Test
    void brokenProvidersAreListedAndTheOthersStillLoad() throws IOException {
        String missing = "com.example.plugin.DoesNotExist";
        try (URLClassLoader loader = withServiceFile(List.of(
                TestProviders.ThrowingConstructor.class.getName(),
                missing,
                TestProviders.ThrowingScorers.class.getName()))) {
            StrategyRegistry registry = StrategyRegistry.load(loader);

            assertThat(registry.selectors()).extracting(Registered::name).contains("global", "uniform");
            assertThat(registry.broken()).extracting(BrokenProvider::provider).containsExactly(
                    TestProviders.ThrowingConstructor.class.getName(), missing, TestProviders.ThrowingScorers.class.getName());
            assertThat(registry.broken().get(0).reason()).contains("could not be instantiated", "boom in constructor");
            assertThat(registry.broken().get(0).source()).isEqualTo(Sources.of(TestProviders.class));
            assertThat(registry.broken().get(1).reason()).contains("not found");
            assertThat(registry.broken().get(1).source()).isEqualTo(temp.toString());
            assertThat(registry.broken().get(2).reason()).contains("boom in scorers()");
        }
    }

    @Test
    void aNameOfferedTwiceIsUnusableNamingBothSourcesWhileEveryOtherNameWorks() throws IOException {
        try (URLClassLoader loader = withServiceFile(List.of(
                TestProviders.NamedDuplicateA.class.getName(), TestProviders.NamedDuplicateB.class.getName()))) {
            String source = Sources.of(TestProviders.class);
            StrategyRegistry registry = StrategyRegistry.load(loader);

            assertThatThrownBy(() -> registry.selector("same-name"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("selector 'same-name' is offered twice: by provider 'duplicate-a' from " + source
                            + " and by provider 'duplicate-b' from " + source
                            + ": expected unique names; remove one of the plug-ins from the class path to use it");
            assertThat(registry.selector("global")).isNotNull();
            assertThat(registry.selectors()).extracting(Registered::name).doesNotContain("same-name");
            assertThat(registry.clashes()).singleElement().satisfies(clash -> {
                assertThat(clash.kind()).isEqualTo("selector");
                assertThat(clash.name()).isEqualTo("same-name");
                assertThat(clash.offers()).extracting(Registered::provider).containsExactly("duplicate-a", "duplicate-b");
            });
        }
    }

    /** A loader that sees the test class path plus one more services file listing {@code providers}. */
    private URLClassLoader withServiceFile(List<String> providers) throws IOException {
        Path services = Files.createDirectories(temp.resolve("META-INF/services"));
        Files.write(services.resolve(Sources.SERVICE_FILE.substring("META-INF/services/".length())), providers);
        return new URLClassLoader(new URL[] {temp.toUri().toURL()}, getClass().getClassLoader());
    }
}
