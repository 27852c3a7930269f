package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Which requests send audio, billed at a rate the catalog does not have (R24A-3). */
class AudioInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static boolean sent(String body) throws Exception {
        return AudioInput.sent(JSON.readTree(body));
    }

    @Test
    void inputAudioPart_dataUrl_andAudioMimeType_areAudio() throws Exception {
        assertThat(sent("""
                {"model":"gemini-2.5-flash","messages":[{"role":"user","content":[{"type":"text","text":"hi"},\
                {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}""")).isTrue();
        assertThat(sent("""
                {"messages":[{"role":"user","content":[{"type":"file","file":\
                {"file_data":"data:audio/mp3;base64,AAAA"}}]}]}""")).isTrue();
        assertThat(sent("""
                {"contents":[{"parts":[{"inlineData":{"mimeType":"audio/wav","data":"AAAA"}}]}]}""")).isTrue();
    }

    @Test
    void textAndImages_areNotAudio() throws Exception {
        assertThat(sent("""
                {"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text",\
                "text":"transcribe the input_audio field, mimeType audio/wav"},\
                {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}""")).isFalse();
    }

    /** A text-only call whose tool takes a parameter named input_audio sends no audio (review, R24 final). */
    @Test
    void toolParameterNamedInputAudio_isNotAudio() throws Exception {
        assertThat(sent("""
                {"model":"gpt-4o","messages":[{"role":"user","content":"book the meeting"}],\
                "tools":[{"type":"function","function":{"name":"transcribe","parameters":{"type":"object",\
                "properties":{"input_audio":{"type":"string","description":"an S3 URL"}}}}}]}""")).isFalse();
    }
}
