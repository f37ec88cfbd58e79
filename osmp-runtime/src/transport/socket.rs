//! The byte stream under a WebSocket: plain TCP, or TLS over TCP, counted.
//!
//! One concrete type for both, so that everything above the handshake (the WebSocket, the
//! frame adapter, the session) is written once rather than generic over the stream. Every
//! byte read and written is counted in the connection's [`Account`] (the budgets of
//! incoming data, the progress of writes). When the socket is dropped it lingers briefly,
//! reading what the peer still sends: closing a socket with unread data makes the kernel
//! reset the connection, and the peer would then lose the last thing written to it (an
//! HTTP answer, a close frame saying why).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsStream;

use super::budget::Account;

/// How long a dropped socket keeps reading what the peer still sends, and how much.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

/// A connected socket, encrypted or not.
pub(crate) struct Socket {
    /// Always present until the socket is dropped.
    stream: Option<Stream>,
    account: Arc<Account>,
}

enum Stream {
    /// Unencrypted `ws://`.
    Plain(TcpStream),
    /// `wss://`. Boxed: the TLS state is large, and plain sockets should not pay for it.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Socket {
    pub(crate) fn plain(stream: TcpStream, account: Arc<Account>) -> Socket {
        Socket { stream: Some(Stream::Plain(stream)), account }
    }

    pub(crate) fn tls(stream: impl Into<TlsStream<TcpStream>>, account: Arc<Account>) -> Socket {
        Socket { stream: Some(Stream::Tls(Box::new(stream.into()))), account }
    }

    /// The connection's account of what it read and wrote.
    pub(crate) fn account(&self) -> &Arc<Account> {
        &self.account
    }

    fn stream(&mut self) -> io::Result<&mut Stream> {
        self.stream.as_mut().ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl AsyncRead for Socket {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = match this.stream()? {
            Stream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        };
        if let Poll::Ready(Ok(())) = result {
            this.account.received(buf.filled().len() - before);
        }
        result
    }
}

impl AsyncWrite for Socket {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = match this.stream()? {
            Stream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        };
        if let Poll::Ready(Ok(written)) = result {
            this.account.wrote(written);
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = match this.stream()? {
            Stream::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        };
        if let Poll::Ready(Ok(written)) = result {
            this.account.wrote(written);
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Some(Stream::Plain(stream)) => stream.is_write_vectored(),
            Some(Stream::Tls(stream)) => stream.is_write_vectored(),
            None => false,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stream()? {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stream()? {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let Some(stream) = self.stream.take() else { return };
        let tcp = match stream {
            Stream::Plain(tcp) => tcp,
            // What was to be sent is sent; what the peer still sends is read raw.
            Stream::Tls(tls) => match *tls {
                TlsStream::Client(stream) => stream.into_inner().0,
                TlsStream::Server(stream) => stream.into_inner().0,
            },
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(tcp));
        }
    }
}

/// Stops sending, then reads and discards until the peer closes, briefly.
async fn linger(mut tcp: TcpStream) {
    let _ = tcp.shutdown().await;
    let draining = async {
        let mut scratch = [0u8; 4096];
        let mut budget = LINGER_BYTES;
        while budget > 0 {
            match tcp.read(&mut scratch).await {
                Ok(0) | Err(_) => break,
                Ok(read) => budget = budget.saturating_sub(read),
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, draining).await;
}
